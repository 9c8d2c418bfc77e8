package index

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// TestStoredJSONThatDoesNotParseFallsBackToHTML: an adopted tree whose
// index.v1_json another tool wrote in a shape we cannot read still serves
// its index.html.
func TestStoredJSONThatDoesNotParseFallsBackToHTML(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := context.Background()
	html := `<!DOCTYPE html><html><body><!--SERIAL 7-->` +
		`<a href="../../packages/aa/bb/cc/oddjson-1.0.tar.gz#sha256=` + strings.Repeat("ab", 32) + `">oddjson-1.0.tar.gz</a>` +
		`</body></html>`
	for key, body := range map[string]string{
		cache.ProjectPageKey("oddjson", cache.PageV1JSON): `{"meta": {"api-version": [1]}, "files": 3}`,
		cache.ProjectPageKey("oddjson", cache.PageHTML):   html,
	} {
		if err := cache.WriteObject(ctx, ts.store, key, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	kind := projectPage{s: ts.svc, name: "oddjson"}
	p := ts.svc.pages.cached(ctx, kind)
	if p == nil {
		t.Fatal("the page was not loaded from its HTML copy")
	}
	if p.Serial() != 7 || !strings.Contains(string(p.Body(simple.FormatJSON)), "oddjson-1.0.tar.gz") {
		t.Errorf("loaded page: serial %d, JSON %s", p.Serial(), p.Body(simple.FormatJSON))
	}
}

// TestPerIndexPageTTL: an index with its own page TTL keeps its pages
// fresh that long; the others use IndexTTL.
func TestPerIndexPageTTL(t *testing.T) {
	ps := &pages{cfg: Config{IndexTTL: time.Minute, IndexTTLs: map[string]time.Duration{"private": time.Hour}}}
	aged := func(index string) *Page {
		return &Page{meta: pageMeta{Index: index}, fetched: time.Now().Add(-10 * time.Minute)}
	}
	if !ps.fresh(aged("private"), false) {
		t.Error("a 10-minute-old page of the index with a 1h TTL is stale")
	}
	if ps.fresh(aged("pypi"), false) || ps.fresh(aged(""), false) {
		t.Error("a 10-minute-old page under the 1m IndexTTL is fresh")
	}
}
