package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// TryLock takes an flock on the dot-file of name at the root of the tree
// (LockName for the mirror's lock, ".lock-<name>" for others). The file
// records the holder's pid, for the error another process gets.
func (s *FS) TryLock(ctx context.Context, name string) (Lock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	file := LockName
	if name != "" {
		if !safeSegment(name) {
			return nil, fmt.Errorf("cache: lock name %q: %w", name, ErrInvalidKey)
		}
		file = LockName + "-" + name
	}
	path := filepath.Join(s.root, file)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := io.ReadAll(io.LimitReader(f, 64))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked (held by pid %s)", ErrLocked, path, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &flock{f: f}, nil
}

// flock is a held flock; closing the file drops it.
type flock struct {
	once sync.Once
	f    *os.File
	err  error
}

func (l *flock) Release() error {
	l.once.Do(func() {
		syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
		l.err = l.f.Close()
	})
	return l.err
}
