package cache

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// BudgetOptions configures a Budget. Zero values are the documented defaults.
type BudgetOptions struct {
	// MaxBytes is the size limit of the objects under Prefix; 0 = unlimited
	// (sizes and access times are still tracked).
	MaxBytes int64
	// Prefix selects the evictable keys; default PackagesPrefix
	// ("web/packages/"). Index pages are never under it.
	Prefix string
	// StateKey is where last-access times are persisted; default
	// "state/access.log". It must not be under Prefix.
	StateKey string
	// Logger receives eviction and persistence logs; default slog.Default().
	Logger *slog.Logger
	// FlushInterval is how often touches are persisted; default 5s.
	FlushInterval time.Duration
	// FlushTouches persists early once this many keys are dirty; default 1024.
	FlushTouches int
	// CompactAfter rewrites the snapshot once this many delta objects
	// exist; default 64.
	CompactAfter int
	// LoadInBackground makes NewBudget return before the state is loaded:
	// the inventory is read, or the tree walked, in the background (Loaded
	// is closed when it is done), and eviction waits for it, so a large
	// cache serves at once.
	LoadInBackground bool
	// Tenure is this process's registration as a writer of the tree
	// (FS.RegisterWriter). With it, Close writes the inventory (every key,
	// size and access time) when this process was the tree's only writer,
	// and the next start loads it instead of walking the tree if no other
	// writer registered in between (see inventoryHeader). nil: the tree is
	// walked at every start.
	Tenure *Tenure
}

// Budget keeps the objects under a prefix within a size limit, evicting
// the least recently used first. Recency comes from Touch (every hit) and
// Added (every commit), not from file atime.
//
// Persistence goes through the Store, so it works on any backend: last
// access times are written as lines "<unix-nanos> <key>" — a snapshot at
// StateKey plus small delta objects StateKey+".<20-digit nanos>", one per
// batched flush. Loading walks the tree for the keys and sizes, merges the
// access times (latest time wins), drops keys that no longer exist and
// compacts: a new snapshot, then the deltas are deleted. A crash between
// the two only replays deltas, which is harmless. A clean Close of the
// tree's only writer also writes the inventory, which spares the next
// start the walk (budget_inventory.go). Only one Budget may manage a
// store's state at a time.
//
// Pinning: Acquire pins a key while it is served; eviction skips pinned
// keys (the budget may then stay over its limit until they are released,
// when another eviction run starts in the background), and Acquire waits
// for an in-flight deletion of its key, so a pinned key is never deleted by
// the budget. Acquire the key before looking it up (and hold it through a
// fill), so a concurrent eviction cannot remove what you are about to serve.
type Budget struct {
	store Store
	opts  BudgetOptions
	log   *slog.Logger

	mu        sync.Mutex
	deleted   *sync.Cond // signalled when an eviction's Delete finishes
	entries   map[string]*budgetEntry
	lru       *list.List // of *budgetEntry; front = most recently used
	total     int64
	evictions int64
	pins      map[string]int
	deleting  map[string]bool
	dirty     map[string]int64 // access times not yet persisted
	lastStamp int64

	evictMu   sync.Mutex // one eviction run at a time
	flushMu   sync.Mutex // one flush or compaction at a time; guards deltas
	deltas    []string   // delta objects not yet compacted
	lastDelta int64

	loaded   chan struct{}    // closed once the state is loaded
	early    map[string]int64 // while loading: keys touched, added or removed (0) before the walk saw them
	complete bool             // the load succeeded: the budget knows the whole tree

	writes sync.RWMutex // held shared by writes of managed keys, exclusively by seal
	sealMu sync.Mutex   // guards sealed
	sealed bool         // the inventory describes the tree (since Close)

	flushKick chan struct{}
	evictKick chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type budgetEntry struct {
	key   string
	size  int64
	atime int64 // unix nanos of the last access
	elem  *list.Element
}

// NewBudget loads the state of store (its inventory, else a Walk of the
// prefix plus the persisted access times), evicts if it is over the limit,
// and starts the background flusher. Call Close to stop it.
func NewBudget(store Store, opts BudgetOptions) (*Budget, error) {
	if opts.Prefix == "" {
		opts.Prefix = PackagesPrefix
	}
	if opts.StateKey == "" {
		opts.StateKey = StatePrefix + "access.log"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 5 * time.Second
	}
	if opts.FlushTouches <= 0 {
		opts.FlushTouches = 1024
	}
	if opts.CompactAfter <= 0 {
		opts.CompactAfter = 64
	}
	if err := validPrefix(opts.Prefix); err != nil {
		return nil, fmt.Errorf("cache: budget: %w", err)
	}
	if err := ValidKey(opts.StateKey); err != nil {
		return nil, fmt.Errorf("cache: budget state: %w", err)
	}
	if strings.HasPrefix(opts.StateKey, opts.Prefix) {
		return nil, fmt.Errorf("cache: budget state key %q is under the evictable prefix %q", opts.StateKey, opts.Prefix)
	}
	b := &Budget{
		store:     store,
		opts:      opts,
		log:       opts.Logger.With("component", "cache.budget"),
		entries:   make(map[string]*budgetEntry),
		lru:       list.New(),
		pins:      make(map[string]int),
		deleting:  make(map[string]bool),
		dirty:     make(map[string]int64),
		loaded:    make(chan struct{}),
		early:     make(map[string]int64),
		flushKick: make(chan struct{}, 1),
		evictKick: make(chan struct{}, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	b.deleted = sync.NewCond(&b.mu)
	ctx := context.Background()
	if !opts.LoadInBackground {
		if err := b.load(ctx); err != nil {
			return nil, err
		}
		if _, err := b.Evict(ctx); err != nil {
			b.log.Warn("initial eviction incomplete", "err", err)
		}
		go b.loop()
		return b, nil
	}
	go func() {
		if err := b.load(ctx); err != nil {
			b.log.Error("cache budget: loading the state failed: nothing is evicted", "err", err)
			return
		}
		kick(b.evictKick)
	}()
	go b.loop()
	return b, nil
}

func (b *Budget) managed(key string) bool { return strings.HasPrefix(key, b.opts.Prefix) }

// stamp returns a strictly increasing access time; b.mu must be held.
func (b *Budget) stamp() int64 {
	t := time.Now().UnixNano()
	if t <= b.lastStamp {
		t = b.lastStamp + 1
	}
	b.lastStamp = t
	return t
}

func (b *Budget) overLocked() bool {
	return b.opts.MaxBytes > 0 && b.total > b.opts.MaxBytes
}

func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Touch records an access to key (call it on every hit). It only updates
// memory; persistence is batched. Keys not known to the budget (not under
// the prefix, or never Added) are ignored.
func (b *Budget) Touch(key string) {
	if !b.managed(key) {
		return
	}
	b.mu.Lock()
	e := b.entries[key]
	if e == nil {
		if b.loading() {
			b.early[key] = b.stamp() // the walk has not reached it yet
		}
		b.mu.Unlock()
		return
	}
	e.atime = b.stamp()
	b.lru.MoveToFront(e.elem)
	b.dirty[key] = e.atime
	n := len(b.dirty)
	b.mu.Unlock()
	if n >= b.opts.FlushTouches {
		kick(b.flushKick)
	}
}

// Added records a committed object of size bytes under key as just used,
// then, if the budget is exceeded, evicts least recently used keys until
// it is not. The eviction runs in the caller's goroutine (it calls
// Store.Delete); a key being replaced has its size updated.
func (b *Budget) Added(key string, size int64) {
	done := b.beginWrite(key)
	b.added(key, size)
	done()
	b.evictIfOver()
}

// added records key; the caller brackets the write with beginWrite.
func (b *Budget) added(key string, size int64) {
	if !b.managed(key) || ValidKey(key) != nil {
		return
	}
	b.mu.Lock()
	b.insertLocked(key, size, b.stamp(), true)
	b.dirty[key] = b.entries[key].atime
	b.mu.Unlock()
}

// evictIfOver evicts in the caller's goroutine if the budget is exceeded.
func (b *Budget) evictIfOver() {
	b.mu.Lock()
	over := b.overLocked()
	b.mu.Unlock()
	if over {
		if _, err := b.Evict(context.Background()); err != nil {
			b.log.Warn("eviction incomplete", "err", err)
		}
	}
}

// insertLocked adds or updates an entry, at the front (most recent) or at
// the back (least recent).
func (b *Budget) insertLocked(key string, size, atime int64, front bool) {
	if e := b.entries[key]; e != nil {
		b.total += size - e.size
		e.size, e.atime = size, atime
		if front {
			b.lru.MoveToFront(e.elem)
		} else {
			b.lru.MoveToBack(e.elem)
		}
		return
	}
	e := &budgetEntry{key: key, size: size, atime: atime}
	if front {
		e.elem = b.lru.PushFront(e)
	} else {
		e.elem = b.lru.PushBack(e)
	}
	b.entries[key] = e
	b.total += size
}

// Removed forgets key (call it after deleting an object outside the budget).
func (b *Budget) Removed(key string) {
	done := b.beginWrite(key)
	defer done()
	b.removed(key)
}

// removed forgets key; the caller brackets the delete with beginWrite.
func (b *Budget) removed(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.entries[key]; e != nil {
		b.lru.Remove(e.elem)
		delete(b.entries, key)
		delete(b.dirty, key)
		b.total -= e.size
	}
	if b.loading() {
		b.early[key] = 0 // gone: the walk may still report it
	}
}

// MaxBytes is the configured limit (0: unlimited).
func (b *Budget) MaxBytes() int64 { return b.opts.MaxBytes }
