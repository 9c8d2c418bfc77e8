package cache

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// The inventory is the budget's whole state, every key with its size and
// access time, written by Close so that the next start need not walk the
// tree. It is trusted only when nothing can have changed the tree since:
//
//   - it was written by a clean Close (a crash leaves none: the one read
//     at start is deleted, and every commit, copy or delete of a managed
//     key deletes a sealed one before it reaches the tree);
//   - the process that wrote it was the tree's only registered writer when
//     it started (Tenure.Alone), so no other writer ran beside it;
//   - it names the generation that process registered, and that is still
//     the tree's generation when the next one registers
//     (Tenure.Previous): no other writer (a mirror, a verify --repair, a
//     serve without the budget) registered in between;
//   - it is whole: a header with the generation, one line per key, and a
//     trailer with the count and the byte total.
//
// Otherwise the tree is walked, as it always was. Format (one object at
// StateKey+".inventory"), oldest access first:
//
//	pypi-proxy budget inventory 1 <generation>
//	<access unix-nanos> <size> <key>
//	end <keys> <bytes>
const inventoryHeader = "pypi-proxy budget inventory 1 "

type budgetRec struct {
	key         string
	size, atime int64
}

func (b *Budget) inventoryKey() string { return b.opts.StateKey + ".inventory" }

// readInventory returns the inventory's records, oldest first, if it can be
// trusted (ok), else why not. It deletes the inventory either way: from
// now on our registration is the tree's generation, which no inventory
// names yet.
func (b *Budget) readInventory(ctx context.Context) (recs []budgetRec, ok bool, why string) {
	t := b.opts.Tenure
	if t == nil {
		return nil, false, "no writer registration"
	}
	o, err := b.store.Open(ctx, b.inventoryKey())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, "no inventory (first start, a crash, or another writer ran beside the last one)"
	} else if err != nil {
		return nil, false, err.Error()
	}
	recs, why = b.parseInventory(o, t.Previous)
	o.Close()
	if err := b.store.Delete(ctx, b.inventoryKey()); err != nil {
		b.log.Warn("cannot delete the budget inventory it read", "err", err)
	}
	return recs, why == "", why
}

// parseInventory reads an inventory of generation gen; why is "" when it
// is whole and of that generation.
func (b *Budget) parseInventory(r io.Reader, gen string) (recs []budgetRec, why string) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.ReadString('\n')
	g, found := strings.CutPrefix(strings.TrimSuffix(head, "\n"), inventoryHeader)
	switch {
	case err != nil || !found:
		return nil, "inventory unreadable"
	case gen == "":
		return nil, "the tree's writer generation was unknown"
	case g != gen:
		return nil, "another writer registered since the inventory was written"
	}
	var total int64
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return nil, "inventory torn"
		}
		line = line[:len(line)-1]
		if rest, end := bytes.CutPrefix(line, []byte("end ")); end {
			n, sum, _ := strings.Cut(string(rest), " ")
			if n != strconv.Itoa(len(recs)) || sum != strconv.FormatInt(total, 10) {
				return nil, "inventory torn"
			}
			if _, err := br.ReadByte(); err != io.EOF {
				return nil, "inventory torn"
			}
			return recs, ""
		}
		rec, ok := b.parseInventoryLine(line)
		if !ok {
			return nil, "inventory torn"
		}
		recs = append(recs, rec)
		total += rec.size
	}
}

func (b *Budget) parseInventoryLine(line []byte) (budgetRec, bool) {
	at, rest, ok1 := bytes.Cut(line, []byte(" "))
	size, key, ok2 := bytes.Cut(rest, []byte(" "))
	t, err1 := strconv.ParseInt(string(at), 10, 64)
	n, err2 := strconv.ParseInt(string(size), 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || n < 0 || !b.managed(string(key)) {
		return budgetRec{}, false
	}
	return budgetRec{key: string(key), size: n, atime: t}, true
}

// seal writes the inventory if this budget may (see inventoryHeader): at
// Close, after the last flush. Writes of managed keys wait meanwhile.
func (b *Budget) seal(ctx context.Context) error {
	t := b.opts.Tenure
	if t == nil || !t.Alone {
		return nil
	}
	b.writes.Lock()
	defer b.writes.Unlock()
	b.sealMu.Lock()
	defer b.sealMu.Unlock()
	b.mu.Lock()
	if b.sealed || !b.complete {
		b.mu.Unlock()
		return nil // already written, or the tree was never fully known
	}
	recs := make([]budgetRec, 0, len(b.entries))
	for el := b.lru.Back(); el != nil; el = el.Prev() {
		e := el.Value.(*budgetEntry)
		recs = append(recs, budgetRec{e.key, e.size, e.atime})
	}
	total := b.total
	b.mu.Unlock()

	w, err := b.store.Create(ctx, b.inventoryKey())
	if err != nil {
		return fmt.Errorf("cache: budget inventory: %w", err)
	}
	defer w.Cancel(ctx)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(inventoryHeader + t.Current + "\n")
	var line []byte
	for _, r := range recs {
		line = strconv.AppendInt(line[:0], r.atime, 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, r.size, 10)
		line = append(line, ' ')
		line = append(line, r.key...)
		line = append(line, '\n')
		bw.Write(line)
	}
	fmt.Fprintf(bw, "end %d %d\n", len(recs), total)
	if err = bw.Flush(); err == nil {
		err = w.Commit(ctx)
	}
	if err != nil {
		return fmt.Errorf("cache: budget inventory: %w", err)
	}
	b.sealed = true
	return nil
}

// beginWrite is called before a managed key is committed, copied or
// deleted; the returned func after the budget has recorded it. A sealed
// inventory is deleted first (it would no longer describe the tree), and
// a seal waits for the writes in progress.
func (b *Budget) beginWrite(key string) (done func()) {
	if b.opts.Tenure == nil || !b.managed(key) {
		return func() {}
	}
	b.writes.RLock()
	b.sealMu.Lock()
	if b.sealed {
		if err := b.store.Delete(context.Background(), b.inventoryKey()); err != nil {
			b.log.Error("cannot delete the budget inventory before a write: the next start may trust it", "err", err)
		} else {
			b.sealed = false
		}
	}
	b.sealMu.Unlock()
	return b.writes.RUnlock
}
