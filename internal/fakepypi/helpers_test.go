package fakepypi

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// newDemo starts an Upstream with the demo set, closed at test end.
func newDemo(t *testing.T, opts Options) *Upstream {
	t.Helper()
	u := New(opts)
	t.Cleanup(u.Close)
	PublishDemo(u)
	return u
}

// noRedirect is a client that returns redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get performs a GET with headers and returns the response with its body read.
func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

// detail fetches and decodes a project's JSON simple page.
func detail(t *testing.T, u *Upstream, name string) simpleDetail {
	t.Helper()
	resp, body := get(t, u.IndexURL()+name+"/", map[string]string{"Accept": MediaJSON})
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d", name, resp.StatusCode)
	}
	var d simpleDetail
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}
