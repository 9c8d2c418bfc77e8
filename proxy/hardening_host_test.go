package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// getWithHost requests base+path with a forged Host header.
func getWithHost(t *testing.T, base, path, host string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestJSONAPIHostNotSharedlyCached: the JSON API's absolute URLs follow a
// forged Host header only in a private response; with --public-url they
// are the configured URL and may be cached by anyone.
func TestJSONAPIHostNotSharedlyCached(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	resp, body := getWithHost(t, h.http.URL, "/pypi/projectc/json", "evil.example")
	wantStatus(t, resp, body, 200)
	if strings.Contains(body, "evil.example") && strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Errorf("URLs from a forged Host served with Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	srv, err := New(Config{Index: h.idx, Logger: h.srv.log, Limits: Limits{PublicURL: "https://pypi.internal"}})
	if err != nil {
		t.Fatal(err)
	}
	pub := httptest.NewServer(srv.Handler())
	defer pub.Close()
	resp, body = getWithHost(t, pub.URL, "/pypi/projectc/json", "evil.example")
	wantStatus(t, resp, body, 200)
	if strings.Contains(body, "evil.example") || !strings.Contains(body, `"https://pypi.internal/packages/`) {
		t.Errorf("with a public URL, the body follows the Host header: %.300s", body)
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Errorf("with a public URL: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
}
