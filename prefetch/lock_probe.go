package prefetch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// LockHeld reports whether another open lock (a running mirror, serve
// --prefetch, bandersnatch) holds the mirror directory dir's lock. It
// takes the lock for an instant to find out and never creates the
// directory; a missing lock file means nobody holds it.
func LockHeld(dir string) (bool, error) {
	f, err := os.OpenFile(filepath.Join(dir, cache.LockName), os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return true, nil
		}
		return false, fmt.Errorf("lock: %w", err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, nil
}
