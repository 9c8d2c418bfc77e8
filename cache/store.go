// Package cache stores index pages and distribution files in the bandersnatch
// mirror layout, behind a small streaming storage interface.
package cache

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Info describes a stored object.
type Info struct {
	// Key is the object's slash-separated path relative to the store root,
	// e.g. "web/simple/numpy/index.v1_json".
	Key     string
	Size    int64
	ModTime time.Time
}

// Object is an open stored object. Backends whose objects are local files
// return an *os.File-backed Object so http.ServeContent can use sendfile;
// callers may discover that with File().
type Object interface {
	io.ReadSeekCloser
	Info() Info
}

// Writer receives a new object. Nothing is visible under its key until Commit
// succeeds; Commit replaces any object already there atomically. Cancel
// discards the data. After either, the Writer must not be used again. Cancel
// after Commit is a no-op, so `defer w.Cancel()` is always safe.
type Writer interface {
	io.Writer
	Commit(ctx context.Context) error
	Cancel(ctx context.Context) error
}

// Store is the storage interface every backend implements. Missing objects
// are reported with errors that satisfy errors.Is(err, fs.ErrNotExist).
// Keys are validated with ValidKey; a bad key yields ErrInvalidKey.
//
// Context: every method returns ctx.Err() (wrapped) if ctx is already done
// when it is called, and remote backends also abort in-flight work. Reading
// an opened Object and writing to a Writer do not observe any context.
// Commit with a done ctx publishes nothing, leaves any existing object
// untouched and finishes the Writer (as Cancel would). Cancel always
// discards the data, even with a done ctx.
type Store interface {
	// Open opens the object for reading.
	Open(ctx context.Context, key string) (Object, error)
	// Stat returns the object's Info.
	Stat(ctx context.Context, key string) (Info, error)
	// Create starts writing a new object under key.
	Create(ctx context.Context, key string) (Writer, error)
	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// Walk calls fn for every object whose key starts with prefix (a plain
	// string prefix: "web/simple/a" matches "web/simple/ab/..."), in no
	// particular order. Objects still being written are never reported, nor
	// are keys with a segment starting with "." (e.g. ".lock"), which can
	// still be opened by name. An error from fn stops the walk and is
	// returned. The prefix is "" (everything) or a key prefix that, without
	// a trailing "/", passes ValidKey.
	Walk(ctx context.Context, prefix string, fn func(Info) error) error
}

// Filer is implemented by Objects backed by a local file, so the HTTP layer
// can hand the *os.File to http.ServeContent (and sendfile). The file
// belongs to the Object: close the Object, not the file.
type Filer interface {
	File() *os.File
}

// Snapshotter is implemented by backends whose open Objects keep reading
// the exact content they were opened on, even after a later Commit replaces
// or Delete removes the key (FS: an open file survives rename and unlink;
// Mem: readers hold an immutable slice). Backends that stream remote
// objects (S3) do not promise this and do not implement it.
type Snapshotter interface {
	SnapshotReads() bool
}

// Copier is implemented by backends that can publish an object under a
// second key without writing its bytes again (FS: a hard link). Like a
// Commit, Copy replaces dst atomically; later writes to either key do not
// change the other. Use CopyObject, which falls back to read and write.
type Copier interface {
	Copy(ctx context.Context, src, dst string) error
}

// ErrWriterClosed is returned by Write, and by Commit after Cancel or a
// failed Commit, once a Writer is finished.
var ErrWriterClosed = errors.New("cache: writer already committed or cancelled")
