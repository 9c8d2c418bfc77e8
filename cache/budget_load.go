package cache

import (
	"context"
	"fmt"
	"sort"
)

// Loaded is closed once the budget knows every object of the tree; until
// then nothing is evicted.
func (b *Budget) Loaded() <-chan struct{} { return b.loaded }

// loading reports whether the load is still running; b.mu must be held.
func (b *Budget) loading() bool {
	select {
	case <-b.loaded:
		return false
	default:
		return true
	}
}

// load rebuilds the budget from its inventory when that can be trusted,
// else from Walk(prefix) and the persisted access times, then closes
// b.loaded. Keys added, touched or removed meanwhile (b.early) keep what
// happened to them.
func (b *Budget) load(ctx context.Context) error {
	recs, ok, why := b.readInventory(ctx)
	if !ok {
		return b.walk(ctx, why)
	}
	b.flushMu.Lock() // the deltas are the flusher's
	err := b.listDeltas(ctx)
	b.flushMu.Unlock()
	if err != nil {
		return err
	}
	older := func(i, j int) bool { return recs[i].atime < recs[j].atime }
	if !sort.SliceIsSorted(recs, older) {
		sort.SliceStable(recs, older)
	}
	b.install(recs, "inventory", "")
	return nil
}

// walk loads the keys and sizes from a Walk of the prefix and their access
// times from the snapshot and deltas, then compacts those.
func (b *Budget) walk(ctx context.Context, why string) error {
	b.flushMu.Lock()
	times, lines, err := b.readState(ctx)
	b.flushMu.Unlock()
	if err != nil {
		return err
	}
	var recs []budgetRec
	err = b.store.Walk(ctx, b.opts.Prefix, func(i Info) error {
		at, ok := times[i.Key]
		if !ok { // never accessed since we began tracking: use its age
			at = i.ModTime.UnixNano()
		}
		recs = append(recs, budgetRec{key: i.Key, size: i.Size, atime: at})
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: budget: %w", err)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].atime < recs[j].atime })
	b.install(recs, "walk", why)
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	if len(b.deltas) > 0 || lines > len(recs) {
		if err := b.compact(ctx); err != nil {
			b.log.Warn("compacting access log failed", "err", err)
		}
	}
	return nil
}

// install adds recs (oldest first) behind the entries added meanwhile,
// then closes b.loaded.
func (b *Budget) install(recs []budgetRec, from, why string) {
	b.mu.Lock()
	// Newest first, each behind the entries added meanwhile (newer) and
	// before the older ones.
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		at, early := b.early[r.key]
		if early && at == 0 || b.entries[r.key] != nil {
			continue // removed or added meanwhile
		}
		e := &budgetEntry{key: r.key, size: r.size, atime: r.atime}
		if early { // touched meanwhile
			e.atime, e.elem = at, b.lru.PushFront(e)
		} else {
			e.elem = b.lru.PushBack(e)
		}
		b.entries[e.key] = e
		b.total += e.size
		b.lastStamp = max(b.lastStamp, r.atime)
	}
	b.early = nil
	b.complete = true
	close(b.loaded)
	total, files := b.total, len(b.entries)
	b.mu.Unlock()
	args := []any{"from", from, "cache_bytes", total, "cache_files", files, "max_bytes", b.opts.MaxBytes}
	if why != "" {
		args = append(args, "walked_because", why)
	}
	b.log.Info("cache budget loaded", args...)
}
