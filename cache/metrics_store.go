package cache

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"
)

// WithMetrics returns store with every operation observed: latency and
// failures by operation, bytes written and read. It wraps any backend, so
// each gets the same metrics.
func WithMetrics(store Store) Store { return &metricsStore{Store: store} }

type metricsStore struct{ Store }

// observe records one operation that started at start.
func observe(op string, start time.Time, err error) {
	storeOpSeconds.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		storeOpErrors.WithLabelValues(op).Inc()
	}
}

func (s *metricsStore) Open(ctx context.Context, key string) (Object, error) {
	start := time.Now()
	obj, err := s.Store.Open(ctx, key)
	observe("open", start, err)
	if err != nil {
		return nil, err
	}
	if f, ok := obj.(Filer); ok {
		return &countedFile{countedObject{obj}, f}, nil
	}
	return &countedObject{obj}, nil
}

func (s *metricsStore) Stat(ctx context.Context, key string) (Info, error) {
	start := time.Now()
	info, err := s.Store.Stat(ctx, key)
	observe("stat", start, err)
	return info, err
}

func (s *metricsStore) Create(ctx context.Context, key string) (Writer, error) {
	start := time.Now()
	w, err := s.Store.Create(ctx, key)
	observe("create", start, err)
	if err != nil {
		return nil, err
	}
	return &countedWriter{w}, nil
}

func (s *metricsStore) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := s.Store.Delete(ctx, key)
	observe("delete", start, err)
	return err
}

func (s *metricsStore) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	start := time.Now()
	err := s.Store.Walk(ctx, prefix, fn)
	observe("walk", start, err)
	return err
}

// Copy keeps the inner store's cheap copy.
func (s *metricsStore) Copy(ctx context.Context, src, dst string) error {
	start := time.Now()
	err := CopyObject(ctx, s.Store, src, dst)
	observe("copy", start, err)
	return err
}

// SnapshotReads passes on the inner store's promise.
func (s *metricsStore) SnapshotReads() bool {
	sn, ok := s.Store.(Snapshotter)
	return ok && sn.SnapshotReads()
}

// Sync flushes the inner store's deferred writes.
func (s *metricsStore) Sync(ctx context.Context) error { return Flush(ctx, s.Store) }

// Unwrap returns the decorated store.
func (s *metricsStore) Unwrap() Store { return s.Store }

type countedObject struct{ Object }

func (o *countedObject) Read(p []byte) (int, error) {
	n, err := o.Object.Read(p)
	storeBytes.WithLabelValues("read").Add(float64(n))
	return n, err
}

// countedFile keeps the local file reachable for sendfile.
type countedFile struct {
	countedObject
	f Filer
}

func (o *countedFile) File() *os.File { return o.f.File() }

type countedWriter struct{ Writer }

func (w *countedWriter) Write(p []byte) (int, error) {
	n, err := w.Writer.Write(p)
	storeBytes.WithLabelValues("write").Add(float64(n))
	return n, err
}

func (w *countedWriter) Commit(ctx context.Context) error {
	start := time.Now()
	err := w.Writer.Commit(ctx)
	observe("commit", start, err)
	return err
}
