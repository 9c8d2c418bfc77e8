package index

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// gzipJSON accepts gzip: the rendering pip gets.
func gzipJSON(c Coding) bool { return c == Gzip }

// TestDescriptorOutlivesRenderings: a page whose renderings left memory
// is still described from memory (its sidecar is not read again), and
// its stored rendering, read once, is sent from memory after that.
func TestDescriptorOutlivesRenderings(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := t.Context()
	p, _, err := ts.svc.Project(ctx, fakepypi.DemoA, false)
	if err != nil {
		t.Fatal(err)
	}
	ts.svc.pages.descs.Wait()
	ts.svc.pages.mem.Wait() // sets are asynchronous: the page is in before it is evicted
	kind := projectPage{s: ts.svc, name: fakepypi.DemoA}
	ts.svc.pages.mem.Del(kind.memKey()) // the renderings evicted
	jsonKey := cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1JSON)
	if err := ts.store.Delete(ctx, cache.PageMetaKey(jsonKey)); err != nil {
		t.Fatal(err)
	}
	d := ts.svc.pages.cached(ctx, kind)
	if d == nil || d.bodies != nil || d.ETag(simple.FormatJSON) != p.ETag(simple.FormatJSON) {
		t.Fatalf("after eviction: %+v, want the descriptor of the same version", d)
	}
	r := d.Rendering(simple.FormatJSON, gzipJSON)
	want := p.Rendering(simple.FormatJSON, gzipJSON).Body
	if r.Key != jsonKey+".gz" || r.Size != int64(len(want)) {
		t.Fatalf("rendering %+v, want the stored gzip copy", r)
	}
	body, err := ts.svc.StoredBody(ctx, d, r)
	if err != nil || !bytes.Equal(body, want) {
		t.Fatalf("stored body: %v (%d bytes, want %d)", err, len(body), len(want))
	}
	ts.svc.pages.renderings.Wait()
	if err := ts.store.Delete(ctx, r.Key); err != nil {
		t.Fatal(err)
	}
	if body, err = ts.svc.StoredBody(ctx, d, r); err != nil || !bytes.Equal(body, want) {
		t.Fatalf("second read, the copy gone: %v, want it from memory", err)
	}
}

// TestStoredRenderingRewritten: a stored rendering whose size is not the
// one its page recorded is never sent under the old ETag: rewritten by
// another tool (the sidecar unchanged), the sidecar goes and the next
// request rebuilds the page from the copies; replaced by a newer version
// (the sidecar changed too), only memory forgets it.
func TestStoredRenderingRewritten(t *testing.T) {
	for _, newer := range []bool{false, true} {
		ts := newTestService(t, nil)
		ctx := t.Context()
		p, _, err := ts.svc.Project(ctx, fakepypi.DemoA, false)
		if err != nil {
			t.Fatal(err)
		}
		offline := serviceOn(t, ts.svc.cfg.Upstream.Root(), ts.store, func(c *Config) { c.Offline = true })
		d, _, err := offline.Project(ctx, fakepypi.DemoA, false)
		if err != nil {
			t.Fatal(err)
		}
		jsonKey := cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1JSON)
		edited := bytes.Replace(p.Body(simple.FormatJSON), []byte(`"files"`), []byte(` "files"`), 1)
		if err := cache.WriteObject(ctx, ts.store, jsonKey, edited); err != nil {
			t.Fatal(err)
		}
		if newer {
			m, _, err := readMeta(ctx, ts.store, jsonKey)
			if err != nil {
				t.Fatal(err)
			}
			m.ETags[0] = etagOf(edited)
			if err := writeMeta(ctx, ts.store, jsonKey, m); err != nil {
				t.Fatal(err)
			}
		}
		r := d.Rendering(simple.FormatJSON, func(Coding) bool { return false })
		if _, err := offline.StoredBody(ctx, d, r); !errors.Is(err, ErrPageChanged) {
			t.Fatalf("newer %v: %v, want ErrPageChanged", newer, err)
		}
		if _, err := ts.store.Stat(ctx, cache.PageMetaKey(jsonKey)); isNotExist(err) != !newer {
			t.Errorf("newer %v: sidecar: %v", newer, err)
		}
		again, _, err := offline.Project(ctx, fakepypi.DemoA, false)
		if err != nil || again.ETag(simple.FormatJSON) != etagOf(edited) {
			t.Errorf("newer %v: next request: %v, ETag %s, want the rewritten copy's %s", newer, err, again.ETag(simple.FormatJSON), etagOf(edited))
		}
	}
}
