package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// FS is a Store of plain files under a root directory: the object under
// key "web/simple/numpy/index.html" is the file root/web/simple/numpy/index.html,
// so the tree is a bandersnatch-style mirror any web server can serve.
//
// Writes are atomic (cmd/go's way): a Writer fills a temp file named
// ".tmp-*" in the target's own directory; Commit fsyncs it, renames it over
// the target and fsyncs the directory. A Writer abandoned by a crash leaves
// only its temp file, which CleanTemp removes. Directories are created 0755,
// files 0644. Open objects survive a later Commit or Delete of their key.
type FS struct {
	root string
	dirs dirCache
	// chmod is set when the umask would make files unreadable to others
	// (a web server serving the tree): then every temp file is chmodded.
	chmod bool
	// wrapTemp, if set (tests only), wraps the temp file's writes, to
	// inject write failures.
	wrapTemp func(io.Writer) io.Writer
}

var (
	_ Store       = (*FS)(nil)
	_ Snapshotter = (*FS)(nil)
)

// NewFS returns an FS rooted at root, creating the directory if needed.
func NewFS(root string) (*FS, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("cache: fs root: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("cache: fs root: %w", err)
	}
	return &FS{root: abs, chmod: restrictiveUmask()}, nil
}

// Root returns the absolute root directory.
func (s *FS) Root() string { return s.root }

// SnapshotReads reports true: an open *os.File keeps its content across
// rename and unlink.
func (s *FS) SnapshotReads() bool { return true }

// path is the file of a key. Keys passed ValidKey (no empty, "." or ".."
// segments), so plain concatenation is what filepath.Join would give,
// without its Clean on every call.
func (s *FS) path(key string) string {
	if s.root == "/" {
		return "/" + key
	}
	return s.root + "/" + key
}

// check validates key and ctx, the first step of every method.
func check(ctx context.Context, op, key string) error {
	if err := ValidKey(key); err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: %s %s: %w", op, key, err)
	}
	return nil
}

// notExist reports a missing key (also used for a key naming a directory).
func notExist(op, key string) error {
	return &opError{op: op, key: key, err: iofs.ErrNotExist}
}

// opError is a failed operation on a key. It formats its message only when
// asked: a full sync looks for thousands of objects that are not there yet,
// and fmt.Errorf on every miss showed in its profile.
type opError struct {
	op, key string
	err     error
}

func (e *opError) Error() string {
	err := e.err
	if pe, ok := err.(*iofs.PathError); ok {
		err = pe.Err // the key names the file already
	}
	return "cache: " + e.op + " " + e.key + ": " + err.Error()
}
func (e *opError) Unwrap() error { return e.err }

// Open opens the object for reading; the Object implements Filer.
func (s *FS) Open(ctx context.Context, key string) (Object, error) {
	if err := check(ctx, "open", key); err != nil {
		return nil, err
	}
	f, err := openFile(s.path(key), unix.O_RDONLY, 0)
	if err != nil {
		return nil, &opError{op: "open", key: key, err: err}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cache: open: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notExist("open", key)
	}
	return &fsObject{f: f, info: Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}}, nil
}

// fsObject is an open file. Besides Object and Filer it offers ReadAt and
// WriteTo, so io.Copy from it uses sendfile/splice where possible.
type fsObject struct {
	f    *os.File
	info Info
}

func (o *fsObject) Read(p []byte) (int, error)              { return o.f.Read(p) }
func (o *fsObject) ReadAt(p []byte, off int64) (int, error) { return o.f.ReadAt(p, off) }
func (o *fsObject) Seek(off int64, whence int) (int64, error) {
	return o.f.Seek(off, whence)
}
func (o *fsObject) WriteTo(w io.Writer) (int64, error) { return o.f.WriteTo(w) }
func (o *fsObject) Close() error                       { return o.f.Close() }
func (o *fsObject) Info() Info                         { return o.info }
func (o *fsObject) File() *os.File                     { return o.f }

// Stat returns the object's Info.
func (s *FS) Stat(ctx context.Context, key string) (Info, error) {
	if err := check(ctx, "stat", key); err != nil {
		return Info{}, err
	}
	fi, err := os.Stat(s.path(key))
	if err != nil {
		return Info{}, &opError{op: "stat", key: key, err: err}
	}
	if !fi.Mode().IsRegular() {
		return Info{}, notExist("stat", key)
	}
	return Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes the object, then (best effort) its parent directories up
// to the root while they are empty. A missing key, or one naming a
// directory, is not an error.
func (s *FS) Delete(ctx context.Context, key string) error {
	if err := check(ctx, "delete", key); err != nil {
		return err
	}
	p := s.path(key)
	if fi, err := os.Lstat(p); err != nil || fi.IsDir() {
		if err == nil || errors.Is(err, iofs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("cache: delete: %w", err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("cache: delete: %w", err)
	}
	for dir := filepath.Dir(p); dir != s.root && strings.HasPrefix(dir, s.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty (or gone): stop
			break
		}
		s.dirs.forget(dir)
	}
	return nil
}
