package upstream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestTrustPolicy(t *testing.T) {
	tests := []struct {
		index string
		hosts []string
		url   string
		ok    bool
	}{
		{"https://pypi.org/simple/", nil, "https://files.pythonhosted.org/packages/a/b/c/x.whl", true},
		{"https://pypi.org/simple/", nil, "https://pypi.org/packages/x.whl", true},
		{"https://pypi.org/simple/", nil, "https://evil.example/x.whl", false},
		{"https://pypi.org/simple/", nil, "http://169.254.169.254/latest/meta-data", false},
		{"https://pypi.org/simple/", nil, "https://files.pythonhosted.org:8443/x.whl", false},
		{"https://devpi.internal/root/pypi/+simple/", nil, "https://files.pythonhosted.org/x.whl", false},
		{"https://devpi.internal/root/pypi/+simple/", nil, "https://DEVPI.internal/x.whl", true},
		{"http://127.0.0.1:8080/simple/", nil, "http://127.0.0.1:8081/x.whl", false},
		{"http://127.0.0.1:8080/simple/", []string{"127.0.0.1:8081"}, "http://127.0.0.1:8081/x.whl", true},
		{"http://127.0.0.1:8080/simple/", []string{"127.0.0.1:8081"}, "http://127.0.0.1:8082/x.whl", false},
		{"https://idx.example/simple/", []string{"cdn.example"}, "https://cdn.example/x.whl", true},
	}
	for _, tt := range tests {
		index, _ := url.Parse(tt.index)
		tr, err := newTrust(index, tt.hosts)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(tt.url)
		if got := tr.allows(u); got != tt.ok {
			t.Errorf("index %s, trusted %v: %s allowed = %v, want %v", tt.index, tt.hosts, tt.url, got, tt.ok)
		}
	}
	if _, err := newTrust(&url.URL{Host: "x"}, []string{"http://bad/"}); err == nil {
		t.Error("a URL as a trusted host was accepted")
	}
}

// recordingRT answers every request from a table and records what it got.
type recordingRT struct {
	mu     sync.Mutex
	auth   map[string]string // URL -> Authorization sent
	answer func(*http.Request) *http.Response
}

func (rt *recordingRT) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.auth[req.URL.String()] = req.Header.Get("Authorization")
	rt.mu.Unlock()
	return rt.answer(req), nil
}

// TestNoCredentialsOverPlainHTTP: an https index with credentials sends
// them over neither an https->http redirect nor an http:// link on its
// own host.
func TestNoCredentialsOverPlainHTTP(t *testing.T) {
	rt := &recordingRT{auth: map[string]string{}, answer: func(req *http.Request) *http.Response {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("ok")), Request: req}
		if req.URL.Scheme == "https" && req.URL.Path == "/packages/redirected.whl" {
			resp.StatusCode = http.StatusFound
			resp.Header.Set("Location", "http://idx.example/packages/redirected.whl")
		}
		return resp
	}}
	c, err := New(Config{IndexURL: "https://alice:s3cret@idx.example/simple/", Transport: rt, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"https://idx.example/packages/redirected.whl", "http://idx.example/packages/plain.whl", "https://idx.example/packages/tls.whl"} {
		body, _, err := c.OpenFile(t.Context(), link)
		if err != nil {
			t.Fatalf("%s: %v", link, err)
		}
		body.Close()
	}
	for u, a := range rt.auth {
		if strings.HasPrefix(u, "http://") && a != "" {
			t.Errorf("credentials sent in clear to %s: %q", u, a)
		}
	}
	if rt.auth["https://idx.example/packages/tls.whl"] == "" {
		t.Error("no credentials to the index host over https")
	}
}

// TestDialGuard: the address really dialed decides, after resolution: a
// loopback listener is refused (by IP or by a name resolving to it) unless
// the index itself is on loopback; link-local never.
func TestDialGuard(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	dialer := (&net.Dialer{}).DialContext
	public := &dialGuard{dial: dialer, indexHost: "203.0.113.7"}
	for _, addr := range []string{"127.0.0.1:" + port, "localhost:" + port, "169.254.169.254:80", "10.0.0.1:80"} {
		if c, err := public.DialContext(context.Background(), "tcp", addr); !errors.Is(err, ErrForbiddenAddress) {
			if c != nil {
				c.Close()
			}
			t.Errorf("public index: dial %s: %v, want ErrForbiddenAddress", addr, err)
		}
	}
	local := &dialGuard{dial: dialer, indexHost: "127.0.0.1"}
	c, err := local.DialContext(context.Background(), "tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatalf("loopback index: dial its own network: %v", err)
	}
	c.Close()
	if _, err := local.DialContext(context.Background(), "tcp", "169.254.169.254:80"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("loopback index: link-local dial: %v, want ErrForbiddenAddress", err)
	}
}
