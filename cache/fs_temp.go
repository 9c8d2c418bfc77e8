package cache

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// tempFile is an object being written: a bare descriptor, without the
// *os.File wrapper (its fcntl at open, its finalizer). A full mirror sync
// writes tens of thousands of small files, where every syscall counts.
type tempFile struct {
	fd   int
	name string
}

// createTemp makes a new temp file in dir, mode 0644, in one open call.
func createTemp(dir string) (*tempFile, error) {
	for range 10 {
		name := filepath.Join(dir, TempPrefix+randomSuffix())
		fd, err := openFD(name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, 0o644)
		if err == nil {
			return &tempFile{fd: fd, name: name}, nil
		}
		if !errors.Is(err, iofs.ErrExist) {
			return nil, err
		}
	}
	return nil, errors.New("cannot make a unique temp file name")
}

// randomSuffix makes temp names unique.
func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// openFD is open(2) retried on EINTR, with a PathError on failure.
func openFD(path string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, mode)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &iofs.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

// Write writes all of p.
func (t *tempFile) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(t.fd, p[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &iofs.PathError{Op: "write", Path: t.name, Err: err}
		}
		if m == 0 {
			return n, &iofs.PathError{Op: "write", Path: t.name, Err: io.ErrShortWrite}
		}
		n += m
	}
	return n, nil
}

func (t *tempFile) sync() error {
	for {
		err := unix.Fsync(t.fd)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &iofs.PathError{Op: "fsync", Path: t.name, Err: err}
		}
		return nil
	}
}

func (t *tempFile) chmod(mode uint32) error {
	if err := unix.Fchmod(t.fd, mode); err != nil {
		return &iofs.PathError{Op: "chmod", Path: t.name, Err: err}
	}
	return nil
}

// close closes the descriptor (once: a second call does nothing).
func (t *tempFile) close() error {
	if t.fd < 0 {
		return nil
	}
	err := unix.Close(t.fd)
	t.fd = -1
	if err != nil && err != unix.EINTR {
		return &iofs.PathError{Op: "close", Path: t.name, Err: err}
	}
	return nil
}

// discard closes and removes the temp file.
func (t *tempFile) discard() {
	t.close()
	os.Remove(t.name)
}
