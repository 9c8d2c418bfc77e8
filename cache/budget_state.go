package cache

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// readState reads the snapshot and the delta objects, latest time winning;
// b.flushMu must be held.
func (b *Budget) readState(ctx context.Context) (map[string]int64, int, error) {
	times := make(map[string]int64)
	lines := 0
	read := func(key string) error {
		o, err := b.store.Open(ctx, key)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		defer o.Close()
		sc := bufio.NewScanner(o)
		sc.Buffer(make([]byte, 0, 4096), MaxKeyLen+64)
		for sc.Scan() {
			ts, key, ok := strings.Cut(sc.Text(), " ")
			t, err := strconv.ParseInt(ts, 10, 64)
			if !ok || err != nil || ValidKey(key) != nil {
				continue // a torn or foreign line
			}
			lines++
			if t > times[key] {
				times[key] = t
			}
		}
		return sc.Err()
	}
	if err := read(b.opts.StateKey); err != nil {
		return nil, 0, fmt.Errorf("cache: budget state: %w", err)
	}
	if err := b.listDeltas(ctx); err != nil {
		return nil, 0, err
	}
	for _, d := range b.deltas {
		if err := read(d); err != nil {
			return nil, 0, fmt.Errorf("cache: budget state: %w", err)
		}
	}
	return times, lines, nil
}

// listDeltas finds the delta objects, oldest first; b.flushMu must be held.
func (b *Budget) listDeltas(ctx context.Context) error {
	var deltas []string
	err := b.store.Walk(ctx, b.opts.StateKey+".", func(i Info) error {
		if b.isDelta(i.Key) {
			deltas = append(deltas, i.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: budget state: %w", err)
	}
	sort.Strings(deltas)
	b.deltas = deltas
	return nil
}

func (b *Budget) isDelta(key string) bool {
	suffix, ok := strings.CutPrefix(key, b.opts.StateKey+".")
	if !ok || len(suffix) != 20 {
		return false
	}
	_, err := strconv.ParseUint(suffix, 10, 64)
	return err == nil
}

// Flush persists the access times recorded since the last flush as a new
// delta object, compacting when enough deltas have accumulated.
func (b *Budget) Flush(ctx context.Context) error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	dirty := b.dirty
	if len(dirty) == 0 {
		b.mu.Unlock()
		return nil
	}
	b.dirty = make(map[string]int64)
	b.mu.Unlock()

	n := time.Now().UnixNano()
	if n <= b.lastDelta {
		n = b.lastDelta + 1
	}
	key := fmt.Sprintf("%s.%020d", b.opts.StateKey, n)
	err := b.writeLines(ctx, key, func(emit func(string, int64) error) error {
		for k, t := range dirty {
			if err := emit(k, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil { // keep the records for the next try
		b.mu.Lock()
		for k, t := range dirty {
			if _, live := b.entries[k]; live && b.dirty[k] < t {
				b.dirty[k] = t
			}
		}
		b.mu.Unlock()
		return err
	}
	b.lastDelta = n
	b.deltas = append(b.deltas, key)
	if len(b.deltas) >= b.opts.CompactAfter {
		return b.compact(ctx)
	}
	return nil
}

// compact writes every known key's access time to the snapshot, then
// deletes the deltas it supersedes. b.flushMu must be held.
func (b *Budget) compact(ctx context.Context) error {
	type rec struct {
		key   string
		atime int64
	}
	b.mu.Lock()
	recs := make([]rec, 0, len(b.entries))
	for el := b.lru.Back(); el != nil; el = el.Prev() {
		e := el.Value.(*budgetEntry)
		recs = append(recs, rec{e.key, e.atime})
	}
	b.mu.Unlock()
	err := b.writeLines(ctx, b.opts.StateKey, func(emit func(string, int64) error) error {
		for _, r := range recs {
			if err := emit(r.key, r.atime); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range b.deltas {
		if err := b.store.Delete(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	b.deltas = nil
	return errors.Join(errs...)
}

// writeLines writes one state object of "<nanos> <key>" lines atomically.
func (b *Budget) writeLines(ctx context.Context, key string, each func(emit func(string, int64) error) error) error {
	w, err := b.store.Create(ctx, key)
	if err != nil {
		return fmt.Errorf("cache: budget state: %w", err)
	}
	defer w.Cancel(ctx)
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	err = each(func(k string, t int64) error {
		line = strconv.AppendInt(line[:0], t, 10)
		line = append(line, ' ')
		line = append(line, k...)
		line = append(line, '\n')
		_, err := bw.Write(line)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = w.Commit(ctx)
	}
	if err != nil {
		return fmt.Errorf("cache: budget state %s: %w", key, err)
	}
	return nil
}
