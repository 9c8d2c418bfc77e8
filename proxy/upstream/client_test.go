package upstream

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		status int
		err    error
		want   Kind // 0: no error
	}{
		{200, nil, 0},
		{304, nil, 0},
		{404, nil, KindNotFound},
		{410, nil, KindNotFound},
		{403, nil, KindBadResponse},
		{429, nil, KindUnavailable},
		{500, nil, KindUnavailable},
		{502, nil, KindUnavailable},
		{503, nil, KindUnavailable},
		{504, nil, KindTimeout},
		{0, context.DeadlineExceeded, KindTimeout},
		{0, errors.New("connection refused"), KindUnavailable},
	}
	for _, tt := range tests {
		var resp *http.Response
		if tt.err == nil {
			resp = &http.Response{StatusCode: tt.status}
		}
		err := Classify("u", resp, tt.err)
		var ue *Error
		switch {
		case tt.want == 0 && err != nil:
			t.Errorf("%d: got %v, want nil", tt.status, err)
		case tt.want != 0 && (!errors.As(err, &ue) || ue.Kind != tt.want):
			t.Errorf("%d %v: got %v, want %s", tt.status, tt.err, err, tt.want)
		}
	}
}

// TestCredentialsOnlyToIndexHost: basic auth from the URL and bearer
// tokens go to the index host, never to a file host, and never appear in
// errors.
func TestCredentialsOnlyToIndexHost(t *testing.T) {
	var filesAuth atomic.Value
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		filesAuth.Store(r.Header.Get("Authorization"))
		io.WriteString(w, "file")
	}))
	defer files.Close()
	index := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			if r.Header.Get("Authorization") != "Bearer tok" {
				http.Error(w, "unauthorized", 401)
				return
			}
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		io.WriteString(w, `{"meta":{"api-version":"1.1"},"name":"x","files":[]}`)
	}))
	defer index.Close()
	filesHost := strings.TrimPrefix(files.URL, "http://")
	for _, cfg := range []Config{
		{IndexURL: strings.Replace(index.URL, "http://", "http://alice:s3cret@", 1) + "/simple/", TrustedFileHosts: []string{filesHost}},
		{IndexURL: index.URL + "/simple/", Token: "tok", TrustedFileHosts: []string{filesHost}},
	} {
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.FetchProjectPage(t.Context(), "x"); err != nil {
			t.Fatalf("authenticated fetch: %v", err)
		}
		body, _, err := c.OpenFile(t.Context(), files.URL+"/packages/x.whl")
		if err != nil {
			t.Fatal(err)
		}
		body.Close()
		if a, _ := filesAuth.Load().(string); a != "" {
			t.Errorf("credentials leaked to the file host: %q", a)
		}
		if strings.Contains(c.IndexURL().String(), "s3cret") {
			t.Errorf("index URL keeps the password: %s", c.IndexURL())
		}
	}
	c, _ := New(Config{IndexURL: index.URL + "/simple/", Retries: -1})
	_, err := c.FetchProjectPage(t.Context(), "x")
	var ue *Error
	if !errors.As(err, &ue) || ue.Status != 401 || ue.Kind != KindBadResponse {
		t.Errorf("without credentials: %v", err)
	}
}

func TestCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<html><body><a href="x-1.0.tar.gz#sha256=00">x-1.0.tar.gz</a></body></html>`)
	}))
	defer srv.Close()
	untrusted, _ := New(Config{IndexURL: srv.URL + "/simple/", Retries: -1})
	if _, err := untrusted.FetchProjectPage(t.Context(), "x"); err == nil {
		t.Fatal("a self-signed upstream was trusted without --ca-file")
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	trusted, err := New(Config{IndexURL: srv.URL + "/simple/", CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trusted.FetchProjectPage(t.Context(), "x"); err != nil {
		t.Fatalf("with the CA file: %v", err)
	}
	if _, err := New(Config{IndexURL: srv.URL + "/simple/", CAFile: "/nonexistent"}); err == nil {
		t.Error("a missing CA file was accepted")
	}
}

// TestMaxConcurrent: with MaxConcurrent 2, ten downloads hold at most two
// slots, each until its body is done. In a synctest bubble, Wait returns
// once every download is either reading its (stalled) body or waiting for
// a slot, so the count of open bodies is exact, not a chance overlap.
func TestMaxConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &stallingTransport{release: make(chan struct{})}
		c, err := New(Config{IndexURL: "http://upstream.test/simple/", MaxConcurrent: 2, Transport: rt})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close() // its cache's goroutines must end inside the bubble
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				body, _, err := c.OpenFile(t.Context(), "http://upstream.test/f")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, body)
				body.Close()
			})
		}
		synctest.Wait()
		if n := rt.open.Load(); n != 2 {
			t.Errorf("%d bodies open while ten downloads run, want 2 (the limit)", n)
		}
		close(rt.release)
		wg.Wait()
		if n := rt.served.Load(); n != 10 {
			t.Errorf("%d downloads served, want 10", n)
		}
		if p := rt.peak.Load(); p > 2 {
			t.Errorf("peak concurrency %d, want <= 2", p)
		}
	})
}

// stallingTransport answers every request at once with a body that
// stalls until release is closed, counting the bodies open.
type stallingTransport struct {
	release            chan struct{}
	open, peak, served atomic.Int32
}

func (rt *stallingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := rt.open.Add(1)
	for p := rt.peak.Load(); n > p && !rt.peak.CompareAndSwap(p, n); p = rt.peak.Load() {
	}
	rt.served.Add(1)
	body := &stallingBody{Reader: strings.NewReader("data"), release: rt.release, closed: func() { rt.open.Add(-1) }}
	return &http.Response{StatusCode: 200, Body: body, ContentLength: 4, Header: http.Header{}, Request: req}, nil
}

// stallingBody reads nothing until release is closed.
type stallingBody struct {
	*strings.Reader
	release chan struct{}
	closed  func()
	once    sync.Once
}

func (b *stallingBody) Read(p []byte) (int, error) {
	<-b.release
	return b.Reader.Read(p)
}

func (b *stallingBody) Close() error {
	b.once.Do(b.closed)
	return nil
}

func TestRetriesThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", 503)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, _ := New(Config{IndexURL: srv.URL + "/simple/", Retries: 2, Backoff: time.Millisecond})
	if _, err := c.FetchProjectPage(t.Context(), "x"); err != nil {
		t.Fatalf("after 2 retries: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}

func TestBadIndexURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x/simple/", "/simple/", "http:///simple/", "http://x/simple/?a=b", "http://x/simple/#frag"} {
		if _, err := ParseIndexURL(u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

// TestLimiterSurvivesRevalidations: bodiless 304s free their slot, so a
// one-slot limiter survives many of them.
func TestLimiterSurvivesRevalidations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, `{"meta":{"api-version":"1.1"},"name":"x","files":[]}`)
	}))
	defer srv.Close()
	// A leaked slot hangs the next request: the timeout turns that into a failure.
	c, err := New(Config{IndexURL: srv.URL + "/simple/", MaxConcurrent: 1, Timeout: time.Minute, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	var v Validators
	for i := range 20 {
		page, err := c.FetchProjectPage(WithValidators(t.Context(), v), "x")
		if err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
		if i > 0 && (!page.NotModified || len(page.Body) != 0) {
			t.Errorf("fetch %d: NotModified %v with %d bytes, want a bodiless 304", i, page.NotModified, len(page.Body))
		}
		v = page.Validators
	}
	if err := c.Ping(t.Context()); err != nil {
		t.Errorf("HEAD after revalidations: %v", err)
	}
}

// TestConditionalOnlyWithValidators: a fetch is conditional exactly when
// the caller passes validators, with both of them; the client keeps
// nothing between fetches.
func TestConditionalOnlyWithValidators(t *testing.T) {
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Clone())
		w.Header().Set("ETag", `"v2"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		io.WriteString(w, `{"meta":{"api-version":"1.1"},"name":"x","files":[]}`)
	}))
	defer srv.Close()
	c, err := New(Config{IndexURL: srv.URL + "/simple/", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	pg, err := c.FetchProjectPage(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	want := Validators{ETag: `"v2"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"}
	if pg.Validators != want || pg.NotModified {
		t.Errorf("validators %+v (not modified %v), want %+v", pg.Validators, pg.NotModified, want)
	}
	if _, err := c.FetchProjectPage(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FetchRootPage(WithValidators(t.Context(), Validators{ETag: `"v1"`, LastModified: "then"})); err != nil {
		t.Fatal(err)
	}
	for i, want := range [][2]string{{"", ""}, {"", ""}, {`"v1"`, "then"}} {
		if h := got[i]; h.Get("If-None-Match") != want[0] || h.Get("If-Modified-Since") != want[1] {
			t.Errorf("request %d: If-None-Match %q If-Modified-Since %q, want %q", i, h.Get("If-None-Match"), h.Get("If-Modified-Since"), want)
		}
	}
}
