package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Create starts a new object: a temp file in the target's directory
// (created as needed). Nothing is visible under key until Commit.
func (s *FS) Create(ctx context.Context, key string) (Writer, error) {
	if err := check(ctx, "create", key); err != nil {
		return nil, err
	}
	target := s.path(key)
	dir := filepath.Dir(target)
	var f *tempFile
	var err error
	// A concurrent Delete may remove the directory between ensure and the
	// open; then forget it and try again.
	for range 5 {
		if err = s.dirs.ensure(dir); err != nil {
			return nil, fmt.Errorf("cache: create %s: %w", key, err)
		}
		f, err = createTemp(dir)
		if !errors.Is(err, iofs.ErrNotExist) {
			break
		}
		s.dirs.forget(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("cache: create %s: %w", key, err)
	}
	if s.chmod {
		if err := f.chmod(0o644); err != nil {
			f.discard()
			return nil, fmt.Errorf("cache: create %s: %w", key, err)
		}
	}
	w := &fsWriter{key: key, f: f, w: f, target: target, deferSync: syncDeferred(ctx)}
	if s.wrapTemp != nil {
		w.w = s.wrapTemp(f)
	}
	return w, nil
}

// fsWriter is not safe for concurrent use; Commit and Cancel are idempotent.
type fsWriter struct {
	key    string
	f      *tempFile // the temp file; nil once finished
	w      io.Writer // writes go here (f, or a test wrapper)
	target string
	err    error // why the writer finished, if not by a successful Commit
	done   bool  // committed successfully
	// deferSync skips the fsyncs (see DeferSync); the rename stays atomic.
	deferSync bool
}

func (w *fsWriter) Write(p []byte) (int, error) {
	if w.f == nil {
		return 0, w.finishedErr()
	}
	n, err := w.w.Write(p)
	if err != nil {
		// e.g. ENOSPC: drop the temp file now so it does not hold space.
		w.abort(fmt.Errorf("cache: write %s: %w", w.key, err))
		return n, w.err
	}
	return n, nil
}

func (w *fsWriter) finishedErr() error {
	if w.err != nil {
		return w.err
	}
	return ErrWriterClosed
}

// abort closes and removes the temp file and records why.
func (w *fsWriter) abort(why error) {
	if w.f == nil {
		return
	}
	w.f.discard()
	w.f = nil
	w.err = why
}

// Commit publishes the object: fsync, close, rename over the target, fsync
// the directory. On any error nothing is published and the temp file is
// removed (except a failed directory fsync, after which the rename may or
// may not survive a crash; the error is still returned).
func (w *fsWriter) Commit(ctx context.Context) error {
	if w.done {
		return nil
	}
	if w.f == nil {
		return w.finishedErr()
	}
	if err := ctx.Err(); err != nil {
		w.abort(fmt.Errorf("cache: commit %s: %w", w.key, err))
		return w.err
	}
	f := w.f
	if !w.deferSync {
		if err := f.sync(); err != nil {
			w.abort(fmt.Errorf("cache: commit %s: %w", w.key, err))
			return w.err
		}
	}
	if err := f.close(); err != nil {
		w.abort(fmt.Errorf("cache: commit %s: %w", w.key, err))
		return w.err
	}
	if err := rename(f.name, w.target); err != nil {
		w.abort(fmt.Errorf("cache: commit %s: %w", w.key, err))
		return w.err
	}
	w.f, w.done = nil, true
	if w.deferSync {
		return nil
	}
	if err := syncDir(filepath.Dir(w.target)); err != nil {
		return fmt.Errorf("cache: commit %s: sync dir: %w", w.key, err)
	}
	return nil
}

// Cancel discards the data; it is a no-op after Commit or Cancel.
func (w *fsWriter) Cancel(context.Context) error {
	w.abort(ErrWriterClosed)
	return nil
}

// rename is rename(2) without os.Rename's Lstat of the target (a
// directory there fails the call anyway): one syscall less per object.
func rename(from, to string) error {
	for {
		err := unix.Rename(from, to)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
		}
		return nil
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
