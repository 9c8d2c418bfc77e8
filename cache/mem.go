package cache

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Mem is an in-memory Store for tests, with FS semantics: Commit publishes
// atomically and Open returns a snapshot unaffected by later commits.
type Mem struct {
	mu   sync.RWMutex
	objs map[string]memObject
}

type memObject struct {
	data []byte // never modified once committed
	mod  time.Time
}

var (
	_ Store       = (*Mem)(nil)
	_ Snapshotter = (*Mem)(nil)
)

// NewMem returns an empty in-memory Store.
func NewMem() *Mem { return &Mem{objs: make(map[string]memObject)} }

// SnapshotReads reports true: readers hold immutable slices.
func (m *Mem) SnapshotReads() bool { return true }

func (m *Mem) get(op, key string) (memObject, error) {
	m.mu.RLock()
	o, ok := m.objs[key]
	m.mu.RUnlock()
	if !ok {
		return memObject{}, notExist(op, key)
	}
	return o, nil
}

// Open returns a reader over the object's content at the time of the call.
func (m *Mem) Open(ctx context.Context, key string) (Object, error) {
	if err := check(ctx, "open", key); err != nil {
		return nil, err
	}
	o, err := m.get("open", key)
	if err != nil {
		return nil, err
	}
	return &memReader{Reader: bytes.NewReader(o.data), info: o.info(key)}, nil
}

func (o memObject) info(key string) Info {
	return Info{Key: key, Size: int64(len(o.data)), ModTime: o.mod}
}

type memReader struct {
	*bytes.Reader
	info Info
}

func (r *memReader) Info() Info   { return r.info }
func (r *memReader) Close() error { return nil }

// Stat returns the object's Info.
func (m *Mem) Stat(ctx context.Context, key string) (Info, error) {
	if err := check(ctx, "stat", key); err != nil {
		return Info{}, err
	}
	o, err := m.get("stat", key)
	if err != nil {
		return Info{}, err
	}
	return o.info(key), nil
}

// Delete removes the object; a missing key is not an error.
func (m *Mem) Delete(ctx context.Context, key string) error {
	if err := check(ctx, "delete", key); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.objs, key)
	m.mu.Unlock()
	return nil
}

// Walk reports committed objects under prefix in key order, skipping keys
// with a segment starting with ".". fn runs without the lock held.
func (m *Mem) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	if err := validPrefix(prefix); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: walk: %w", err)
	}
	m.mu.RLock()
	var infos []Info
	for k, o := range m.objs {
		if strings.HasPrefix(k, prefix) && !hiddenKey(k) {
			infos = append(infos, o.info(k))
		}
	}
	m.mu.RUnlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("cache: walk: %w", err)
		}
		if err := fn(info); err != nil {
			return fmt.Errorf("cache: walk %q: %w", prefix, err)
		}
	}
	return nil
}

// Create starts buffering a new object.
func (m *Mem) Create(ctx context.Context, key string) (Writer, error) {
	if err := check(ctx, "create", key); err != nil {
		return nil, err
	}
	return &memWriter{m: m, key: key}, nil
}

type memWriter struct {
	m      *Mem
	key    string
	buf    bytes.Buffer
	closed bool
	done   bool // committed
	err    error
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, w.finishedErr()
	}
	return w.buf.Write(p)
}

func (w *memWriter) finishedErr() error {
	if w.err != nil {
		return w.err
	}
	return ErrWriterClosed
}

func (w *memWriter) Commit(ctx context.Context) error {
	if w.done {
		return nil
	}
	if w.closed {
		return w.finishedErr()
	}
	w.closed = true
	if err := ctx.Err(); err != nil {
		w.err = fmt.Errorf("cache: commit %s: %w", w.key, err)
		w.buf = bytes.Buffer{}
		return w.err
	}
	w.done = true
	o := memObject{data: w.buf.Bytes(), mod: time.Now()}
	w.buf = bytes.Buffer{}
	w.m.mu.Lock()
	w.m.objs[w.key] = o
	w.m.mu.Unlock()
	return nil
}

func (w *memWriter) Cancel(context.Context) error {
	if !w.closed {
		w.closed = true
		w.buf = bytes.Buffer{}
	}
	return nil
}

// Copy shares src's immutable bytes with dst.
func (m *Mem) Copy(ctx context.Context, src, dst string) error {
	if err := check(ctx, "copy", src); err != nil {
		return err
	}
	if err := check(ctx, "copy", dst); err != nil {
		return err
	}
	o, err := m.get("copy", src)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o.mod = time.Now()
	m.objs[dst] = o
	return nil
}
