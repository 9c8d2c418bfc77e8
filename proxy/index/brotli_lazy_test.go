package index

import (
	"bytes"
	"io"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// TestBrotliMadeOnDemand: a committed page leaves no brotli copy in the
// tree; the first rendering that takes br compresses the identity one
// (from memory, or from the tree for a page served from there) and the
// next ones reuse it; a client that does not take br causes none; an
// identity copy replaced since the page was looked up is not compressed
// under the old ETag (gzip goes instead).
func TestBrotliMadeOnDemand(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := t.Context()
	p, _, err := ts.svc.Project(ctx, fakepypi.DemoA, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []cache.PageFormat{cache.PageV1JSON, cache.PageV1HTML, cache.PageHTML} {
		key := cache.ProjectPageKey(fakepypi.DemoA, f)
		if _, err := cache.ReadObject(ctx, ts.store, key+".gz"); err != nil {
			t.Errorf("%s.gz: %v", key, err)
		}
		if _, err := cache.ReadObject(ctx, ts.store, key+".br"); !isNotExist(err) {
			t.Errorf("%s.br written at commit (%v)", key, err)
		}
	}
	gzipOnly := func(c Coding) bool { return c == Gzip }
	takesAll := func(Coding) bool { return true }
	if r := ts.svc.Rendering(ctx, p, simple.FormatJSON, gzipOnly); r.Coding != Gzip || ts.svc.brotli.made.Load() != 0 {
		t.Fatalf("gzip client: %v, %d brotli copies made", r.Coding, ts.svc.brotli.made.Load())
	}
	for range 3 {
		r := ts.svc.Rendering(ctx, p, simple.FormatJSON, takesAll)
		if r.Coding != Brotli || r.ETag != codingETag(p.ETag(simple.FormatJSON), Brotli) || r.Size != int64(len(r.Body)) {
			t.Fatalf("br client: %v %s, %d bytes (size %d)", r.Coding, r.ETag, len(r.Body), r.Size)
		}
		if got := unbrotli(t, r.Body); !bytes.Equal(got, p.Body(simple.FormatJSON)) {
			t.Fatalf("brotli copy decodes to %d bytes, want the %d of the page", len(got), len(p.Body(simple.FormatJSON)))
		}
	}
	if n := ts.svc.brotli.made.Load(); n != 1 {
		t.Errorf("%d compressions for three requests, want 1", n)
	}

	small := serviceOn(t, ts.svc.cfg.Upstream.Root(), ts.store, func(c *Config) { c.Offline, c.MemoryBytes = true, 64<<10 })
	stored, _, err := small.Project(ctx, fakepypi.DemoA, false)
	if err != nil || stored.Body(simple.FormatHTML) != nil {
		t.Fatalf("want a page served from the tree: %v", err)
	}
	key := cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1HTML)
	html, err := cache.ReadObject(ctx, ts.store, key)
	if err != nil {
		t.Fatal(err)
	}
	r := small.Rendering(ctx, stored, simple.FormatHTML, takesAll)
	if r.Coding != Brotli || !bytes.Equal(unbrotli(t, r.Body), html) {
		t.Fatalf("from the tree: %v, want brotli of the stored %s", r.Coding, key)
	}
	if err := cache.WriteObject(ctx, ts.store, cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1JSON), []byte(`{"replaced": true}`)); err != nil {
		t.Fatal(err)
	}
	if r := small.Rendering(ctx, stored, simple.FormatJSON, takesAll); r.Coding != Gzip {
		t.Errorf("identity replaced under the page: %v, want the gzip copy", r.Coding)
	}
}

func unbrotli(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
