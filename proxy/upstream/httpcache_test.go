package upstream

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// TestJSONAPIRevalidatedThroughHTTPCache: a JSON API document asked for
// again is revalidated by httpcache with the stored ETag; the 304 gives
// the stored body back, and the entry survives a new client (the store).
func TestJSONAPIRevalidatedThroughHTTPCache(t *testing.T) {
	const body = `{"info": {"name": "demo"}, "urls": []}`
	var conditional, full atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "max-age=600, public")
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	store := cache.NewMem()
	for i := range 3 {
		c, err := New(Config{IndexURL: srv.URL + "/simple/", HTTPCache: store, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		pg, err := c.FetchJSONAPI(t.Context(), "demo", "")
		if err != nil || string(pg.Body) != body {
			t.Fatalf("fetch %d: %v %q", i, err, pg.Body)
		}
	}
	if full.Load() != 1 || conditional.Load() != 2 {
		t.Errorf("upstream saw %d full and %d conditional requests, want 1 and 2", full.Load(), conditional.Load())
	}
}
