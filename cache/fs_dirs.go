package cache

import (
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// dirCache remembers directories known to exist, so that writing many
// objects into one directory (a project's three pages) or filling a tree
// costs one mkdir per new directory instead of a stat per write. Syscalls
// dominate a bulk mirror sync on small files.
type dirCache struct {
	mu    sync.Mutex
	known map[string]struct{}
}

const dirCacheMax = 1 << 16

func (c *dirCache) has(dir string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.known[dir]
	return ok
}

func (c *dirCache) add(dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known == nil || len(c.known) >= dirCacheMax {
		c.known = make(map[string]struct{})
	}
	c.known[dir] = struct{}{}
}

// forget drops dir, e.g. after a Delete may have removed it.
func (c *dirCache) forget(dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.known, dir)
}

// ensure makes dir (and its parents) exist: mkdir first, parents only when
// that says they are missing.
func (c *dirCache) ensure(dir string) error {
	if c.has(dir) {
		return nil
	}
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, iofs.ErrNotExist) {
		if perr := c.ensure(filepath.Dir(dir)); perr != nil {
			return perr
		}
		err = os.Mkdir(dir, 0o755)
	}
	if err != nil && !errors.Is(err, iofs.ErrExist) {
		return err
	}
	c.add(dir)
	return nil
}

// openFile opens a regular file with one open(2) and wraps it without
// os.OpenFile's extra fcntl and epoll calls (regular files never poll):
// three syscalls per open instead of seven, on the hot path of every
// cache hit and every stored object.
func openFile(path string, flags int, mode uint32) (*os.File, error) {
	fd, err := openFD(path, flags, mode)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

// restrictiveUmask reports whether the process umask masks read bits for
// group or others.
func restrictiveUmask() bool {
	old := syscall.Umask(0o022)
	syscall.Umask(old)
	return old&0o044 != 0
}
