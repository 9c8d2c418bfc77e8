package cache

import (
	"context"
	"fmt"
	"sort"
)

// Loaded is closed once the budget knows every object of the tree; until
// then nothing is evicted.
func (b *Budget) Loaded() <-chan struct{} { return b.loaded }

// loading reports whether the walk is still running; b.mu must be held.
func (b *Budget) loading() bool {
	select {
	case <-b.loaded:
		return false
	default:
		return true
	}
}

// load rebuilds the budget from Walk(prefix) and the persisted access
// times, then closes b.loaded. Keys added, touched or removed meanwhile
// (b.early) keep what happened to them.
func (b *Budget) load(ctx context.Context, times map[string]int64, lines int) error {
	var infos []Info
	err := b.store.Walk(ctx, b.opts.Prefix, func(i Info) error {
		infos = append(infos, i)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: budget: %w", err)
	}
	type seen struct {
		info  Info
		atime int64
	}
	all := make([]seen, len(infos))
	for i, info := range infos {
		at, ok := times[info.Key]
		if !ok { // never accessed since we began tracking: use its age
			at = info.ModTime.UnixNano()
		}
		all[i] = seen{info, at}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].atime < all[j].atime })
	b.mu.Lock()
	// Oldest first, each behind the entries added meanwhile (newer) and
	// before the walk's older ones.
	for i := len(all) - 1; i >= 0; i-- {
		s := all[i]
		at, early := b.early[s.info.Key]
		if early && at == 0 || b.entries[s.info.Key] != nil {
			continue // removed or added meanwhile
		}
		e := &budgetEntry{key: s.info.Key, size: s.info.Size, atime: s.atime}
		if early { // touched meanwhile
			e.atime, e.elem = at, b.lru.PushFront(e)
		} else {
			e.elem = b.lru.PushBack(e)
		}
		b.entries[e.key] = e
		b.total += e.size
		b.lastStamp = max(b.lastStamp, s.atime)
	}
	b.early = nil
	close(b.loaded)
	total := b.total
	b.mu.Unlock()
	b.flushMu.Lock() // the deltas are the flusher's
	defer b.flushMu.Unlock()
	b.log.Info("cache budget loaded", "cache_bytes", total, "cache_files", len(all),
		"max_bytes", b.opts.MaxBytes, "access_records", len(times), "state_objects", len(b.deltas)+1)
	if len(b.deltas) > 0 || lines > len(all) {
		if err := b.compact(ctx); err != nil {
			b.log.Warn("compacting access log failed", "err", err)
		}
	}
	return nil
}
