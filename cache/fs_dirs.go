package cache

import (
	"crypto/rand"
	"encoding/hex"
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

// createTemp makes a new temp file in dir, mode 0644, in one open call.
func createTemp(dir string) (*os.File, error) {
	var b [8]byte
	for range 10 {
		_, _ = rand.Read(b[:])
		f, err := os.OpenFile(filepath.Join(dir, TempPrefix+hex.EncodeToString(b[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, iofs.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("cannot make a unique temp file name")
}

// restrictiveUmask reports whether the process umask masks read bits for
// group or others.
func restrictiveUmask() bool {
	old := syscall.Umask(0o022)
	syscall.Umask(old)
	return old&0o044 != 0
}
