package cache_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

// countWalks counts the Walks of the packages (the budget's full walk).
type countWalks struct {
	cache.Store
	n *atomic.Int32
}

func (c countWalks) Walk(ctx context.Context, prefix string, fn func(cache.Info) error) error {
	if prefix == cache.PackagesPrefix {
		c.n.Add(1)
	}
	return c.Store.Walk(ctx, prefix, fn)
}

// budgetRun is one process's life on a tree: registered, a budget over
// the tree, the tree seen through the budget.
type budgetRun struct {
	tenure *cache.Tenure
	budget *cache.Budget
	store  cache.Store
	walks  atomic.Int32
}

func startRun(t *testing.T, fs *cache.FS, max int64) *budgetRun {
	t.Helper()
	r := &budgetRun{}
	var err error
	if r.tenure, err = fs.RegisterWriter(); err != nil {
		t.Fatal(err)
	}
	r.budget, err = cache.NewBudget(countWalks{fs, &r.walks}, cache.BudgetOptions{MaxBytes: max, Tenure: r.tenure,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r.store = cache.WithBudget(fs, r.budget)
	return r
}

// stop is a clean shutdown: the budget's Close, then the release.
func (r *budgetRun) stop(t *testing.T) {
	t.Helper()
	if err := r.budget.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.tenure.Release(); err != nil {
		t.Fatal(err)
	}
}

// TestBudgetRestartLoadsInventory: after a clean shutdown of the tree's
// only writer the next start loads the inventory without walking the tree
// (same files, bytes and recency); whatever may have changed the tree in
// between (another writer, a crash, a torn or stale inventory, a write
// after the shutdown began) makes it walk, and the walk finds the truth.
func TestBudgetRestartLoadsInventory(t *testing.T) {
	inventory := func(dir string) string { return filepath.Join(dir, filepath.FromSlash(cache.InventoryKey)) }
	edit := func(t *testing.T, dir string, f func([]byte) []byte) {
		t.Helper()
		b, err := os.ReadFile(inventory(dir))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(inventory(dir), f(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		// between runs after the first run's budget is closed and before
		// its registration is released (a write then is a late one of
		// the same process), then, with it released, before the second.
		late, between func(t *testing.T, dir string, fs *cache.FS, first *budgetRun)
		// running is a writer registered before the first run starts
		// and released after it stops.
		running bool
		walks   int32
		want    string // files after the second start evicts down to 250 bytes
	}{
		{name: "clean restart", walks: 0, want: "a,b"},
		{name: "another writer ran", walks: 1, want: "a,m",
			between: func(t *testing.T, dir string, fs *cache.FS, _ *budgetRun) {
				w := register(t, fs)
				putNewest(t, dir, fs, "m", 100) // a mirror's file
				w.Release()
			}},
		{name: "another writer ran beside it", walks: 1, want: "a,m",
			late: func(t *testing.T, dir string, fs *cache.FS, _ *budgetRun) {
				w := register(t, fs) // still running when the first one stops
				putNewest(t, dir, fs, "m", 100)
				w.Release()
			}},
		{name: "another writer was running when it started", running: true, walks: 1, want: "a,b"},
		{name: "another writer crashed", walks: 1, want: "a,b",
			between: func(t *testing.T, dir string, fs *cache.FS, _ *budgetRun) {
				cache.CrashTenure(register(t, fs))
			}},
		{name: "a write after Close", walks: 1, want: "a,n",
			late: func(t *testing.T, dir string, fs *cache.FS, first *budgetRun) {
				putNewest(t, dir, first.store, "n", 150)
			}},
		{name: "the budget crashed after loading it", walks: 1, want: "a,b",
			between: func(t *testing.T, dir string, fs *cache.FS, _ *budgetRun) {
				r := startRun(t, fs, 0)
				if r.walks.Load() != 0 {
					t.Error("the crashing run walked")
				}
				if _, err := os.Stat(inventory(dir)); !os.IsNotExist(err) {
					t.Errorf("inventory still there after it was loaded: %v", err)
				}
				cache.AbandonBudget(r.budget)
				cache.CrashTenure(r.tenure)
			}},
		{name: "torn: no trailer", walks: 1, want: "a,b",
			between: func(t *testing.T, dir string, fs *cache.FS, _ *budgetRun) {
				edit(t, dir, func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("end "))] })
			}},
		{name: "torn: a line lost", walks: 1, want: "a,b",
			between: func(t *testing.T, dir string, fs *cache.FS, _ *budgetRun) {
				edit(t, dir, func(b []byte) []byte {
					i := bytes.IndexByte(b, '\n') + 1
					j := i + bytes.IndexByte(b[i:], '\n') + 1
					return append(b[:i:i], b[j:]...)
				})
			}},
		{name: "torn: cut mid-line", walks: 1, want: "a,b",
			between: func(t *testing.T, dir string, fs *cache.FS, _ *budgetRun) {
				edit(t, dir, func(b []byte) []byte { return b[:len(b)/2] })
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fs, err := cache.NewFS(dir)
			if err != nil {
				t.Fatal(err)
			}
			var other *cache.Tenure
			if tc.running {
				other = register(t, fs)
			}
			first := startRun(t, fs, 0)
			for _, n := range []string{"c", "d", "b", "a"} { // oldest first
				storetest.Put(t, first.store, pkg(n), make([]byte, 100))
			}
			if err := first.budget.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.late != nil {
				tc.late(t, dir, fs, first)
			}
			if err := first.tenure.Release(); err != nil {
				t.Fatal(err)
			}
			other.Release()
			if tc.between != nil {
				tc.between(t, dir, fs, first)
			}
			second := startRun(t, fs, 250)
			defer second.stop(t)
			if n := second.walks.Load(); n != tc.walks {
				t.Errorf("walks at the second start: %d, want %d", n, tc.walks)
			}
			if got := present(t, fs); got != tc.want {
				t.Errorf("after evicting to 250 bytes: %s, want %s", got, tc.want)
			}
			var bytes int64
			for _, i := range storetest.Keys(t, fs, cache.PackagesPrefix) {
				bytes += i.Size
			}
			if b, files, _ := second.budget.Stats(); b != bytes || files != 2 {
				t.Errorf("Stats: %d bytes in %d files, the tree has %d in 2", b, files, bytes)
			}
		})
	}
}

// putNewest writes a file whose mtime is an hour ahead: newer than any
// access time recorded so far (the kernel's clock for mtimes is coarser
// than time.Now).
func putNewest(t *testing.T, dir string, s cache.Store, name string, size int) {
	t.Helper()
	storetest.Put(t, s, pkg(name), make([]byte, size))
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(pkg(name))), later, later); err != nil {
		t.Fatal(err)
	}
}

// gatedOpen holds every Open of key until release is closed.
type gatedOpen struct {
	cache.Store
	key     string
	release chan struct{}
}

func (g gatedOpen) Open(ctx context.Context, key string) (cache.Object, error) {
	if key == g.key {
		<-g.release
	}
	return g.Store.Open(ctx, key)
}

// TestBudgetInventoryLoadsInBackground: with LoadInBackground the budget
// serves before its inventory is read, and evicts nothing until it is.
func TestBudgetInventoryLoadsInBackground(t *testing.T) {
	mem := cache.NewMem()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := cache.NewBudget(mem, cache.BudgetOptions{Tenure: &cache.Tenure{Current: "g1", Alone: true}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"old1", "old2"} {
		add(t, mem, b, name, 100)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	walks := atomic.Int32{}
	g := gatedOpen{Store: countWalks{mem, &walks}, key: cache.InventoryKey, release: make(chan struct{})}
	b, err = cache.NewBudget(g, cache.BudgetOptions{MaxBytes: 250, LoadInBackground: true, Logger: quiet,
		Tenure: &cache.Tenure{Previous: "g1", Current: "g2", Alone: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	add(t, mem, b, "new", 100)
	if n, err := b.Evict(t.Context()); n != 0 || err != nil {
		t.Fatalf("evicted %d (%v) before the inventory was read", n, err)
	}
	close(g.release)
	<-b.Loaded()
	if _, err := b.Evict(t.Context()); err != nil { // or the run the load's end started
		t.Fatal(err)
	}
	if got := present(t, mem); got != "new,old2" {
		t.Errorf("after eviction: %s, want the least recently used (old1) gone", got)
	}
	if walks.Load() != 0 {
		t.Errorf("walked %d times with a fresh inventory", walks.Load())
	}
}
