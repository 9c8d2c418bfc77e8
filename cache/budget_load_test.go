package cache_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

// gatedWalk holds every Walk of the packages until release is closed.
type gatedWalk struct {
	cache.Store
	release chan struct{}
}

func (g gatedWalk) Walk(ctx context.Context, prefix string, fn func(cache.Info) error) error {
	if prefix == cache.PackagesPrefix {
		<-g.release
	}
	return g.Store.Walk(ctx, prefix, fn)
}

// TestBudgetLoadsInBackground: with LoadInBackground the budget is
// usable before the tree is walked; nothing is evicted until the walk is
// done; what was added or removed meanwhile keeps what happened to it.
func TestBudgetLoadsInBackground(t *testing.T) {
	mem := cache.NewMem()
	for _, name := range []string{"old1", "old2", "gone"} {
		storetest.Put(t, mem, pkg(name), make([]byte, 100))
	}
	g := gatedWalk{Store: mem, release: make(chan struct{})}
	b, err := cache.NewBudget(g, cache.BudgetOptions{MaxBytes: 300, LoadInBackground: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	add(t, mem, b, "new", 150)
	if err := mem.Delete(t.Context(), pkg("gone")); err != nil {
		t.Fatal(err)
	}
	b.Removed(pkg("gone"))
	b.Touch(pkg("old1")) // not known yet: recently used all the same
	if n, err := b.Evict(t.Context()); n != 0 || err != nil {
		t.Fatalf("evicted %d (%v) before the walk", n, err)
	}
	if got := present(t, mem); got != "new,old1,old2" {
		t.Fatalf("before the walk: %s", got)
	}
	close(g.release)
	<-b.Loaded()
	if _, err := b.Evict(t.Context()); err != nil { // or the run the walk's end started
		t.Fatal(err)
	}
	if got := present(t, mem); got != "new,old1" {
		t.Errorf("after eviction: %s, want the least recently used (old2) gone", got)
	}
	if bytes, files, _ := b.Stats(); bytes != 250 || files != 2 {
		t.Errorf("after the walk: %d bytes in %d files, want 250 in 2", bytes, files)
	}
}
