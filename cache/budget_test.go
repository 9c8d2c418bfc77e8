package cache_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

func pkg(name string) string { return "web/packages/aa/bb/cc/" + name }

func newBudget(t *testing.T, s cache.Store, max int64) *cache.Budget {
	t.Helper()
	b, err := cache.NewBudget(s, cache.BudgetOptions{
		MaxBytes: max,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// add stores size bytes under pkg(name) and tells the budget.
func add(t *testing.T, s cache.Store, b *cache.Budget, name string, size int) {
	t.Helper()
	storetest.Put(t, s, pkg(name), make([]byte, size))
	b.Added(pkg(name), int64(size))
}

// present returns the names under web/packages/aa/bb/cc/ in the store.
func present(t *testing.T, s cache.Store) string {
	t.Helper()
	var names []string
	for k := range storetest.Keys(t, s, cache.PackagesPrefix) {
		names = append(names, strings.TrimPrefix(k, pkg("")))
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func TestBudgetEvictsLRU(t *testing.T) {
	s := cache.NewMem()
	b := newBudget(t, s, 300)
	add(t, s, b, "a", 100)
	add(t, s, b, "b", 100)
	add(t, s, b, "c", 100)
	b.Touch(pkg("a")) // order now b, c, a
	add(t, s, b, "d", 100)
	if got := present(t, s); got != "a,c,d" {
		t.Errorf("after d: %s, want a,c,d (b least recently used)", got)
	}
	b.Touch(pkg("c"))
	add(t, s, b, "e", 150) // must free 150: a then d
	if got := present(t, s); got != "c,e" {
		t.Errorf("after e: %s, want c,e", got)
	}
	if bytes, files, ev := b.Stats(); bytes != 250 || files != 2 || ev != 3 {
		t.Errorf("Stats = %d bytes, %d files, %d evictions; want 250, 2, 3", bytes, files, ev)
	}
	add(t, s, b, "c", 50) // replacing an object updates its size
	if bytes, files, _ := b.Stats(); bytes != 200 || files != 2 {
		t.Errorf("after replace Stats = %d, %d; want 200, 2", bytes, files)
	}
	b.Removed(pkg("c"))
	if bytes, files, _ := b.Stats(); bytes != 150 || files != 1 {
		t.Errorf("after Removed Stats = %d, %d; want 150, 1", bytes, files)
	}
}

func TestBudgetPinnedSurvive(t *testing.T) {
	s := cache.NewMem()
	b := newBudget(t, s, 200)
	add(t, s, b, "a", 100)
	release := b.Acquire(pkg("a"))
	add(t, s, b, "b", 100)
	relC := b.Acquire(pkg("c")) // pinned before the fill, as the proxy does
	add(t, s, b, "c", 100)      // a is LRU but pinned: b goes
	if got := present(t, s); got != "a,c" {
		t.Errorf("with a pinned: %s, want a,c", got)
	}
	relD := b.Acquire(pkg("d"))
	add(t, s, b, "d", 100) // everything pinned: over budget for now
	if got := present(t, s); got != "a,c,d" {
		t.Errorf("all pinned: %s, want a,c,d", got)
	}
	release()
	release() // idempotent
	relC()
	if _, err := b.Evict(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := present(t, s); got != "c,d" {
		t.Errorf("after releasing a: %s, want c,d", got)
	}
	relD()
	if bytes, _, _ := b.Stats(); bytes != 200 {
		t.Errorf("bytes = %d, want 200", bytes)
	}
}

// TestBudgetAcquireWaitsForDelete: a key being evicted cannot be pinned
// until its deletion is over, so a pinned key is never deleted. In a
// synctest bubble, Wait tells when the eviction is inside Delete and when
// Acquire has either returned or is waiting.
func TestBudgetAcquireWaitsForDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		openGate := sync.OnceFunc(func() { close(gate) })
		s := &slowDelete{Store: cache.NewMem(), gate: gate}
		b := newBudget(t, s, 100)
		t.Cleanup(openGate) // before b.Close, on a failure
		add(t, s, b, "a", 100)
		added := make(chan struct{})
		go func() { // evicts a; the Delete blocks on gate
			defer close(added)
			b.Added(pkg("b"), 100)
		}()
		synctest.Wait()
		if !s.started() {
			t.Fatal("adding b over the budget did not start evicting a")
		}
		acquired := make(chan func(), 1)
		go func() { acquired <- b.Acquire(pkg("a")) }()
		synctest.Wait()
		select {
		case release := <-acquired:
			release()
			t.Fatal("Acquire returned while its key was being deleted")
		default:
		}
		openGate()
		release := <-acquired
		defer release()
		<-added
		storetest.AssertMissing(t, s, pkg("a"))
	})
}

type slowDelete struct {
	cache.Store
	gate chan struct{}
	mu   sync.Mutex
	n    int
}

func (s *slowDelete) started() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.n > 0 }

func (s *slowDelete) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	<-s.gate
	return s.Store.Delete(ctx, key)
}

func TestBudgetIndexPagesNeverEvicted(t *testing.T) {
	s := cache.NewMem()
	page := cache.ProjectPageKey("numpy", cache.PageV1JSON)
	storetest.Put(t, s, page, make([]byte, 1000))
	storetest.Put(t, s, cache.StatusKey, []byte("123"))
	b := newBudget(t, s, 100)
	b.Added(page, 1000)
	b.Touch(page)
	add(t, s, b, "a", 60)
	add(t, s, b, "b", 60)
	if got := present(t, s); got != "b" {
		t.Errorf("packages: %s, want b", got)
	}
	storetest.Get(t, s, page)
	storetest.Get(t, s, cache.StatusKey)
	if bytes, files, _ := b.Stats(); bytes != 60 || files != 1 {
		t.Errorf("Stats = %d, %d; index pages must not count", bytes, files)
	}
}

func TestBudgetRestartKeepsOrder(t *testing.T) {
	t.Run("Mem", func(t *testing.T) { testRestart(t, cache.NewMem()) })
	t.Run("FS", func(t *testing.T) { testRestart(t, newFS(t)) })
}

func testRestart(t *testing.T, s cache.Store) {
	b := newBudget(t, s, 0) // unlimited: tracks only
	for _, n := range []string{"a", "b", "c", "d"} {
		add(t, s, b, n, 100)
	}
	b.Touch(pkg("a"))
	b.Touch(pkg("b")) // order: c, d, a, b
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.Touch(pkg("c")) // order: d, a, b, c; persisted by Close
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b2 := newBudget(t, s, 200) // evicts d, a at start
	if got := present(t, s); got != "b,c" {
		t.Errorf("after restart with a smaller budget: %s, want b,c", got)
	}
	if _, files, ev := b2.Stats(); files != 2 || ev != 2 {
		t.Errorf("Stats files %d evictions %d, want 2, 2", files, ev)
	}
	// Loading compacted the state into one snapshot.
	if keys := storetest.Keys(t, s, cache.StatePrefix); len(keys) != 1 {
		t.Errorf("state objects after load: %v, want the snapshot only", keys)
	}
	b2.Touch(pkg("b"))
	b2.Close()
	newBudget(t, s, 100)
	if got := present(t, s); got != "b" {
		t.Errorf("after second restart: %s, want b", got)
	}
}

// TestBudgetUntrackedFilesUseModTime: files the state does not know are
// ordered by modification time (a synctest bubble's fake clock: the
// Sleep makes them exactly 1s apart).
func TestBudgetUntrackedFilesUseModTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := cache.NewMem()
		storetest.Put(t, s, pkg("old"), make([]byte, 100))
		time.Sleep(time.Second)
		storetest.Put(t, s, pkg("new"), make([]byte, 100))
		newBudget(t, s, 150)
		if got := present(t, s); got != "new" {
			t.Errorf("%s, want new", got)
		}
	})
}

// TestBudgetCompactsPeriodically: deltas are compacted every CompactAfter
// flushes, and FlushTouches dirty keys flush in the background without
// waiting for the interval (in a synctest bubble, Wait returns once the
// background flusher is idle again, and the hour never passes).
func TestBudgetCompactsPeriodically(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := cache.NewMem()
		b, err := cache.NewBudget(s, cache.BudgetOptions{
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CompactAfter: 3, FlushTouches: 2,
			FlushInterval: time.Hour,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		for i := range 10 {
			add(t, s, b, fmt.Sprint(i), 1)
			if err := b.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := len(storetest.Keys(t, s, cache.StatePrefix)); n > 3 {
				t.Fatalf("%d state objects after %d flushes, want <= 3", n, i+1)
			}
		}
		b.Touch(pkg("1"))
		b.Touch(pkg("2"))
		synctest.Wait()
		at := persistedTimes(t, s)
		if !(at[pkg("9")] < at[pkg("1")] && at[pkg("1")] < at[pkg("2")]) {
			t.Errorf("touches not flushed in the background after FlushTouches touches: persisted times 9: %d, 1: %d, 2: %d",
				at[pkg("9")], at[pkg("1")], at[pkg("2")])
		}
	})
}

// persistedTimes merges the access times in the budget's state objects
// (snapshot and deltas; the latest time wins).
func persistedTimes(t *testing.T, s cache.Store) map[string]int64 {
	t.Helper()
	at := map[string]int64{}
	for key := range storetest.Keys(t, s, cache.StatePrefix) {
		for _, line := range strings.Split(string(storetest.Get(t, s, key)), "\n") {
			nanos, k, ok := strings.Cut(line, " ")
			n, err := strconv.ParseInt(nanos, 10, 64)
			if ok && err == nil && n > at[k] {
				at[k] = n
			}
		}
	}
	return at
}

func TestBudgetOptionsChecked(t *testing.T) {
	_, err := cache.NewBudget(cache.NewMem(), cache.BudgetOptions{StateKey: "web/packages/state"})
	if err == nil {
		t.Errorf("state key under the prefix accepted")
	}
	_, err = cache.NewBudget(cache.NewMem(), cache.BudgetOptions{StateKey: "../x"})
	if !errors.Is(err, cache.ErrInvalidKey) {
		t.Errorf("bad state key: %v", err)
	}
}

func TestBudgetConcurrent(t *testing.T) {
	s := cache.NewMem()
	const max = 20_000
	b := newBudget(t, s, max)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 200 {
				key := pkg(fmt.Sprintf("g%d-%d", g, i))
				release := b.Acquire(key)
				storetest.Put(t, s, key, make([]byte, 100+r.IntN(900)))
				info, err := s.Stat(context.Background(), key)
				if err != nil {
					t.Error(err)
				}
				b.Added(key, info.Size)
				release()
				other := pkg(fmt.Sprintf("g%d-%d", r.IntN(8), r.IntN(200)))
				rel := b.Acquire(other)
				if o, err := s.Open(context.Background(), other); err == nil {
					b.Touch(other)
					o.Close()
				} else if !errors.Is(err, fs.ErrNotExist) {
					t.Error(err)
				}
				rel()
				if i%50 == 0 {
					b.Flush(context.Background())
					b.Stats()
				}
			}
		}()
	}
	wg.Wait()
	b.Evict(context.Background())
	bytes, files, ev := b.Stats()
	var stored, n int64
	for _, i := range storetest.Keys(t, s, cache.PackagesPrefix) {
		stored += i.Size
		n++
	}
	if bytes != stored || files != n {
		t.Errorf("budget says %d bytes in %d files, store has %d in %d", bytes, files, stored, n)
	}
	if bytes > max || ev == 0 {
		t.Errorf("bytes %d (max %d), evictions %d", bytes, max, ev)
	}
}

// TestBudgetStoreCompliance: the budget's decorator is a Store like any
// other.
func TestBudgetStoreCompliance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cache.Store {
		fs := newFS(t)
		b, err := cache.NewBudget(fs, cache.BudgetOptions{MaxBytes: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return cache.WithBudget(fs, b)
	})
}
