package index

import (
	"context"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
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

// TestDescriptorPacksStrings: a descriptor keeps every string of its page,
// equal, in one allocation, and its index name interned.
func TestDescriptorPacksStrings(t *testing.T) {
	kind := projectPage{name: "packed-project"}
	p := &Page{meta: pageMeta{Serial: 7, ETags: [2]string{`"aa"`, `"bb"`}, Digest: strings.Repeat("d", 64), Index: "pypi",
		Upstream: upstream.Validators{ETag: `"up"`, LastModified: "Mon, 30 Nov 2026 04:41:00 GMT"}},
		keys: storedKeys(kind), stored: true, mkey: kind.memKey(), bodies: &bodies{}}
	d := p.descriptor()
	if d.bodies != nil || d.meta != p.meta || d.keys != p.keys || d.mkey != p.mkey {
		t.Fatalf("descriptor %+v differs from its page %+v", d, p)
	}
	fields := []string{d.meta.ETags[0], d.meta.ETags[1], d.meta.Upstream.ETag, d.meta.Upstream.LastModified,
		d.meta.Digest, d.keys[0], d.keys[1], d.mkey}
	base := uintptr(unsafe.Pointer(unsafe.StringData(fields[0])))
	offset := uintptr(0)
	for _, f := range fields {
		if uintptr(unsafe.Pointer(unsafe.StringData(f))) != base+offset {
			t.Fatalf("%q is not packed after the strings before it", f)
		}
		offset += uintptr(len(f))
	}
	other := (&Page{meta: pageMeta{Index: strings.Clone("pypi")}}).descriptor()
	if unsafe.StringData(other.meta.Index) != unsafe.StringData(d.meta.Index) {
		t.Error("two descriptors of one index hold two copies of its name")
	}
}

// TestInternedIsBounded: past its limit, interned hands strings back
// without holding them.
func TestInternedIsBounded(t *testing.T) {
	in := &interned{max: 2}
	for _, s := range []string{"a", "b", "c", "d"} {
		in.intern(s)
	}
	if len(in.m) != 2 {
		t.Errorf("holds %d strings, want at most 2", len(in.m))
	}
	if got := in.intern("c"); got != "c" {
		t.Errorf("intern(c) = %q", got)
	}
}

// TestWriteRootForgetsTheRootInMemory: a root the mirror writes replaces
// the one memory held (the root's name in memory is ""), so the next
// request reads the new one from the tree instead of a descriptor of
// renderings that are gone.
func TestWriteRootForgetsTheRootInMemory(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := t.Context()
	if _, _, err := ts.svc.Root(ctx, false); err != nil {
		t.Fatal(err)
	}
	ts.svc.pages.descs.Wait()
	ts.svc.pages.mem.Wait()
	written := &simple.RootIndex{Projects: []simple.RootProject{{Name: "written-by-the-mirror", LastSerial: 9}},
		Meta: simple.Meta{LastSerial: 9}}
	if err := ts.svc.WriteRoot(ctx, written); err != nil {
		t.Fatal(err)
	}
	p, o, err := ts.svc.Root(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	body, err := ts.svc.PageBody(ctx, p, simple.FormatJSON)
	if err != nil || p.Serial() != 9 || !strings.Contains(string(body), "written-by-the-mirror") {
		t.Errorf("root after WriteRoot: %s, serial %d, %v: %.200s", o, p.Serial(), err, body)
	}
}
