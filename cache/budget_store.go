package cache

import (
	"context"
	"os"
)

// WithBudget returns store with b kept informed, so the size limit applies
// to whatever drives the store: an Open pins its key (no eviction while it
// is read) and counts as an access until the Object is closed, a Commit
// adds the object, a Delete removes it. b must have been built over store
// itself (its evictions bypass the decorator).
func WithBudget(store Store, b *Budget) Store {
	return &budgetStore{Store: store, b: b}
}

type budgetStore struct {
	Store
	b *Budget
}

func (s *budgetStore) Open(ctx context.Context, key string) (Object, error) {
	release := s.b.Acquire(key)
	obj, err := s.Store.Open(ctx, key)
	if err != nil {
		release()
		return nil, err
	}
	s.b.Touch(key)
	if f, ok := obj.(Filer); ok {
		return &pinnedFile{pinned{Object: obj, release: release}, f}, nil
	}
	return &pinned{Object: obj, release: release}, nil
}

func (s *budgetStore) Create(ctx context.Context, key string) (Writer, error) {
	w, err := s.Store.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	return &budgetWriter{Writer: w, key: key, b: s.b}, nil
}

func (s *budgetStore) Delete(ctx context.Context, key string) error {
	done := s.b.beginWrite(key)
	defer done()
	err := s.Store.Delete(ctx, key)
	if err == nil {
		s.b.removed(key)
	}
	return err
}

// Copy keeps the inner store's cheap copy and counts the new object.
func (s *budgetStore) Copy(ctx context.Context, src, dst string) error {
	done := s.b.beginWrite(dst)
	err := CopyObject(ctx, s.Store, src, dst)
	if err == nil {
		if info, serr := s.Store.Stat(ctx, dst); serr == nil {
			s.b.added(dst, info.Size)
		}
	}
	done()
	if err != nil {
		return err
	}
	s.b.evictIfOver()
	return nil
}

// SnapshotReads passes on the inner store's promise.
func (s *budgetStore) SnapshotReads() bool {
	sn, ok := s.Store.(Snapshotter)
	return ok && sn.SnapshotReads()
}

// Unwrap returns the decorated store.
func (s *budgetStore) Unwrap() Store { return s.Store }

// pinned releases its key's pin when closed.
type pinned struct {
	Object
	release func()
}

func (p *pinned) Close() error {
	err := p.Object.Close()
	p.release()
	return err
}

// pinnedFile is a pinned Object backed by a local file (sendfile).
type pinnedFile struct {
	pinned
	f Filer
}

func (p *pinnedFile) File() *os.File { return p.f.File() }

// budgetWriter tells the budget of a committed object's size.
type budgetWriter struct {
	Writer
	key string
	b   *Budget
	n   int64
}

func (w *budgetWriter) Write(p []byte) (int, error) {
	n, err := w.Writer.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *budgetWriter) Commit(ctx context.Context) error {
	done := w.b.beginWrite(w.key)
	err := w.Writer.Commit(ctx)
	if err == nil {
		w.b.added(w.key, w.n)
	}
	done()
	if err != nil {
		return err
	}
	w.b.evictIfOver()
	return nil
}

// Sync flushes the inner store's deferred writes.
func (s *budgetStore) Sync(ctx context.Context) error { return Flush(ctx, s.Store) }
