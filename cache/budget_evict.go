package cache

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Acquire pins key so the budget never deletes it until release is called
// (release is idempotent). If the budget is deleting key at that moment,
// Acquire waits for the deletion to finish; the caller then finds it
// missing and refetches. Keys outside the prefix need no pin.
func (b *Budget) Acquire(key string) (release func()) {
	if !b.managed(key) {
		return func() {}
	}
	b.mu.Lock()
	for b.deleting[key] {
		b.deleted.Wait()
	}
	b.pins[key]++
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			if b.pins[key]--; b.pins[key] <= 0 {
				delete(b.pins, key)
			}
			over := b.overLocked()
			b.mu.Unlock()
			if over {
				kick(b.evictKick)
			}
		})
	}
}

// Stats returns the tracked bytes and files under the prefix and the number
// of evictions since the Budget was made.
func (b *Budget) Stats() (bytes, files, evictions int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total, int64(len(b.entries)), b.evictions
}

// Evict deletes least recently used, unpinned keys until the total is
// within MaxBytes, and logs the run. A key whose Delete fails is kept (as
// least recently used, so the next run retries it) and the errors returned.
func (b *Budget) Evict(ctx context.Context) (evicted int, err error) {
	if b.opts.MaxBytes <= 0 {
		return 0, nil
	}
	select {
	case <-b.loaded:
	default:
		return 0, nil // deferred: NewBudget runs it once the tree is walked
	}
	b.evictMu.Lock()
	defer b.evictMu.Unlock()
	start := time.Now()

	b.mu.Lock()
	if !b.overLocked() {
		b.mu.Unlock()
		return 0, nil
	}
	var victims []*budgetEntry
	pinned := 0
	for el := b.lru.Back(); el != nil && b.overLocked(); {
		prev := el.Prev()
		e := el.Value.(*budgetEntry)
		if b.pins[e.key] > 0 {
			pinned++
		} else {
			b.lru.Remove(el)
			delete(b.entries, e.key)
			delete(b.dirty, e.key)
			b.total -= e.size
			b.deleting[e.key] = true
			victims = append(victims, e)
		}
		el = prev
	}
	b.mu.Unlock()

	var errs []error
	var freed int64
	for _, e := range victims {
		done := b.beginWrite(e.key)
		derr := b.store.Delete(ctx, e.key)
		b.mu.Lock()
		delete(b.deleting, e.key)
		if derr != nil {
			errs = append(errs, derr)
			if b.entries[e.key] == nil {
				b.insertLocked(e.key, e.size, e.atime, false)
			}
		} else {
			evicted++
			freed += e.size
			b.evictions++
		}
		b.mu.Unlock()
		done()
		b.deleted.Broadcast()
	}
	bytes, files, _ := b.Stats()
	b.log.Info("cache eviction",
		"evicted", evicted, "freed_bytes", freed, "failed", len(errs), "pinned_skipped", pinned,
		"cache_bytes", bytes, "cache_files", files, "max_bytes", b.opts.MaxBytes,
		"duration", time.Since(start))
	return evicted, errors.Join(errs...)
}

func (b *Budget) loop() {
	defer close(b.done)
	t := time.NewTicker(b.opts.FlushInterval)
	defer t.Stop()
	ctx := context.Background()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		case <-b.flushKick:
		case <-b.evictKick:
			if _, err := b.Evict(ctx); err != nil {
				b.log.Warn("eviction incomplete", "err", err)
			}
			continue
		}
		if err := b.Flush(ctx); err != nil {
			b.log.Warn("persisting access times failed", "err", err)
		}
	}
}

// Close stops the background flusher, flushes, and writes the inventory
// when the next start may trust it (see inventoryHeader). The Budget keeps
// tracking in memory afterwards, but persists only on explicit Flush (a
// write of a managed key deletes the inventory first).
func (b *Budget) Close() error {
	b.closeOnce.Do(func() {
		close(b.stop)
		<-b.done
	})
	ctx := context.Background()
	return errors.Join(b.Flush(ctx), b.seal(ctx))
}
