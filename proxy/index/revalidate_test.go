package index

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// serviceOn builds a service over ix and store; edit adjusts its config.
func serviceOn(t *testing.T, ix upstream.Index, store cache.Store, edit func(*Config)) *Service {
	t.Helper()
	cfg := Config{Upstream: upstream.Single{Index: ix}, Store: store, SpoolDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if edit != nil {
		edit(&cfg)
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// storedFile opens a stored object's file, to compare identities.
func storedFile(t *testing.T, s cache.Store, key string) os.FileInfo {
	t.Helper()
	obj, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	fi, err := obj.(cache.Filer).File().Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// TestRevalidationKeepsEverything: an upstream 304 renews a page's
// freshness and nothing else: same page, no stored file or sidecar
// rewritten; a changed page is then rendered and stored anew.
func TestRevalidationKeepsEverything(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := t.Context()
	first, o, err := ts.svc.Project(ctx, fakepypi.DemoA, true)
	if err != nil || o != Miss {
		t.Fatalf("first: %v %v", o, err)
	}
	keys := []string{cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1JSON), cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1HTML) + ".gz",
		cache.PageMetaKey(cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1JSON))}
	var before []os.FileInfo
	for _, k := range keys {
		before = append(before, storedFile(t, ts.store, k))
	}
	n := testutil.ToFloat64(revalidations)
	ts.up.ResetCounts()
	again, o, err := ts.svc.Project(ctx, fakepypi.DemoA, true)
	if err != nil || o != Revalidated {
		t.Fatalf("again: %v %v", o, err)
	}
	if got := ts.up.Requests(fakepypi.IndexHost, "/simple/"); got != 1 {
		t.Errorf("%d upstream requests, want 1", got)
	}
	if testutil.ToFloat64(revalidations) != n+1 || again.ETag(simple.FormatJSON) != first.ETag(simple.FormatJSON) {
		t.Errorf("not kept as it was: revalidations %v -> %v", n, testutil.ToFloat64(revalidations))
	}
	if !again.fetched.After(first.fetched) {
		t.Errorf("freshness not renewed")
	}
	for i, k := range keys {
		if !os.SameFile(before[i], storedFile(t, ts.store, k)) {
			t.Errorf("%s rewritten on a 304", k)
		}
	}
	ts.up.Yank(fakepypi.DemoA, "1.0", "gone bad")
	changed, o, err := ts.svc.Project(ctx, fakepypi.DemoA, true)
	if err != nil || o != Miss || changed.ETag(simple.FormatJSON) == first.ETag(simple.FormatJSON) {
		t.Fatalf("changed page: %v %v", o, err)
	}
	if os.SameFile(before[0], storedFile(t, ts.store, keys[0])) {
		t.Errorf("a changed page was not stored")
	}
}

// noValidators is an upstream index that forgets the validators of every
// page, as an upstream without ETag or Last-Modified does.
type noValidators struct{ upstream.Index }

func (n noValidators) FetchProjectPage(ctx context.Context, name string) (*upstream.Page, error) {
	pg, err := n.Index.FetchProjectPage(ctx, name)
	if pg != nil {
		pg.Validators = upstream.Validators{}
	}
	return pg, err
}

// TestRevalidationBySameBytes: without validators, a 200 with the bytes
// the page was made from is a revalidation too.
func TestRevalidationBySameBytes(t *testing.T) {
	ts := newTestService(t, nil)
	svc := serviceOn(t, noValidators{ts.svc.cfg.Upstream.Root()}, ts.store, nil)
	if _, o, err := svc.Project(t.Context(), fakepypi.DemoB, true); err != nil || o != Miss {
		t.Fatalf("first: %v %v", o, err)
	}
	n := testutil.ToFloat64(revalidations)
	if _, o, err := svc.Project(t.Context(), fakepypi.DemoB, true); err != nil || o != Revalidated {
		t.Fatalf("again: %v %v", o, err)
	}
	if testutil.ToFloat64(revalidations) != n+1 {
		t.Errorf("same bytes not taken as a revalidation")
	}
}

// TestStoredPageNotParsed: a page that is not in memory comes from its
// sidecar and stored renderings, never parsed (a copy replaced by bytes
// that do not parse is served as they are); a page larger than the memory
// allows is kept as its descriptor and served from the tree.
func TestStoredPageNotParsed(t *testing.T) {
	ts := newTestService(t, nil)
	p, _, err := ts.svc.Project(t.Context(), fakepypi.DemoA, false)
	if err != nil {
		t.Fatal(err)
	}
	key := cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1JSON)
	junk := make([]byte, len(p.Body(simple.FormatJSON)))
	for i := range junk {
		junk[i] = '#'
	}
	if err := cache.WriteObject(t.Context(), ts.store, key, junk); err != nil {
		t.Fatal(err)
	}
	offline := func(c *Config) { c.Offline = true }
	svc := serviceOn(t, ts.svc.cfg.Upstream.Root(), ts.store, offline)
	got, _, err := svc.Project(t.Context(), fakepypi.DemoA, false)
	if err != nil || got.Body(simple.FormatJSON) != nil || got.ETag(simple.FormatJSON) != p.ETag(simple.FormatJSON) {
		t.Fatalf("first request: %v, body in memory %v, want the descriptor", err, got.Body(simple.FormatJSON) != nil)
	}
	if r := got.Rendering(simple.FormatJSON, func(Coding) bool { return false }); r.Key != key {
		t.Fatalf("first request: rendering %+v, want the stored %s", r, key)
	}
	// The stored rendering, read once, is sent from memory afterwards.
	r := got.Rendering(simple.FormatJSON, func(Coding) bool { return false })
	body, err := svc.StoredBody(t.Context(), got, r)
	if err != nil || string(body) != string(junk) {
		t.Fatalf("stored page: %v, body %.20q", err, body)
	}
	svc.pages.renderings.Wait()
	if err := ts.store.Delete(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if body, err = svc.StoredBody(t.Context(), got, r); err != nil || string(body) != string(junk) {
		t.Fatalf("second read, the copy deleted: %v, body %.20q, want it from memory", err, body)
	}
	small := serviceOn(t, ts.svc.cfg.Upstream.Root(), ts.store, func(c *Config) { c.Offline, c.MemoryBytes = true, 64<<10 })
	got, _, err = small.Project(t.Context(), fakepypi.DemoA, false)
	if err != nil {
		t.Fatal(err)
	}
	r = got.Rendering(simple.FormatHTML, func(c Coding) bool { return c == Gzip })
	if r.Body != nil || r.Key != cache.ProjectPageKey(fakepypi.DemoA, cache.PageV1HTML)+".gz" || r.Coding != Gzip || r.Size == 0 {
		t.Errorf("a page over the memory budget: rendering %+v, want the stored gzip copy", r)
	}
	if got.cost() > 1024 {
		t.Errorf("a page served from the tree costs %d bytes of memory", got.cost())
	}
}

// TestOlderTreeUpgraded: a page stored without a sidecar (an older tree,
// bandersnatch) is parsed once; its sidecar and gzip copy are then
// written, and an older version's brotli copy deleted (brotli is made on
// demand).
func TestOlderTreeUpgraded(t *testing.T) {
	ts := newTestService(t, nil)
	if _, _, err := ts.svc.Project(t.Context(), fakepypi.DemoC, false); err != nil {
		t.Fatal(err)
	}
	key := cache.ProjectPageKey(fakepypi.DemoC, cache.PageV1JSON)
	for _, k := range []string{cache.PageMetaKey(key), key + ".gz"} {
		if err := ts.store.Delete(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	if err := cache.WriteObject(t.Context(), ts.store, key+".br", []byte("an older version's")); err != nil {
		t.Fatal(err)
	}
	svc := serviceOn(t, ts.svc.cfg.Upstream.Root(), ts.store, func(c *Config) { c.Offline = true })
	if _, _, err := svc.Project(t.Context(), fakepypi.DemoC, false); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{cache.PageMetaKey(key), key + ".gz"} {
		if _, err := cache.ReadObject(t.Context(), ts.store, k); err != nil {
			t.Errorf("%s not written: %v", k, err)
		}
	}
	if _, err := cache.ReadObject(t.Context(), ts.store, key+".br"); !isNotExist(err) {
		t.Errorf("an older version's brotli copy: %v, want it deleted", err)
	}
}
