package upstream

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

const tinyPage = `{"meta":{"api-version":"1.1"},"name":"x","files":[]}`

// TestPagesNotStarvedByFiles: 64 downloads that hold every file slot (slow,
// abandoned by their clients) leave an uncached page fetch unaffected.
func TestPagesNotStarvedByFiles(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	arrived := make(chan struct{}, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/packages/") {
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			arrived <- struct{}{}
			select { // a download that never ends while the test runs
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		io.WriteString(w, tinyPage)
	}))
	defer srv.Close()
	c, err := New(Config{IndexURL: srv.URL + "/simple/", MaxConcurrent: 64, MaxConcurrentPages: 4, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 64 {
		body, _, err := c.OpenFile(t.Context(), srv.URL+"/packages/f"+strings.Repeat("x", i))
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		<-arrived
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.FetchProjectPage(ctx, "x"); err != nil {
		t.Fatalf("a page fetch with every file slot taken: %v", err)
	}
}

// endless is an upstream page body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestOversizedPageRefusedUnstored: a page larger than the default cap
// fails without being read to its end, and nothing reaches state/http.
func TestOversizedPageRefusedUnstored(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		w.Header().Set("Cache-Control", "max-age=600")
		w.Header().Set("ETag", `"big"`)
		io.WriteString(w, `{"meta":{"api-version":"1.1"},"name":"x","files":[]}`)
		io.Copy(w, io.LimitReader(endless{}, 65<<20)) // chunked: no length to refuse it by
	}))
	defer srv.Close()
	store, err := cache.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{IndexURL: srv.URL + "/simple/", HTTPCache: store, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FetchProjectPage(t.Context(), "x"); err == nil {
		t.Fatal("a 65 MiB page was accepted under the default cap")
	}
	if _, err := c.FetchJSONAPI(t.Context(), "x", ""); err == nil {
		t.Fatal("a 65 MiB JSON API document was accepted under the default cap")
	}
	store.Walk(t.Context(), "state/http/", func(i cache.Info) error {
		t.Errorf("an oversized page was stored: %s (%d bytes)", i.Key, i.Size)
		return nil
	})
}
