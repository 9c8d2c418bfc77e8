package cache

import (
	"context"
	"errors"
)

// Locker is implemented by stores that can give one process at a time a
// named exclusive lock over the store: the mirror's lock, and anything a
// replica must own alone. FS: flock on a dot-file at the root (the kernel
// drops it when the process dies); a remote store: a lease object written
// with a conditional PUT, renewed while held, that expires when its holder
// dies.
type Locker interface {
	// TryLock takes the lock called name ("" is the mirror's lock,
	// bandersnatch's .lock), failing at once with an error that satisfies
	// errors.Is(err, ErrLocked) when another holder has it.
	TryLock(ctx context.Context, name string) (Lock, error)
}

// Lock is a held lock.
type Lock interface {
	// Release drops the lock; releasing twice is a no-op.
	Release() error
}

// ErrLocked is a lock another process holds.
var ErrLocked = errors.New("cache: locked by another process")

// ErrNoLocks is returned by TryLock for a store that cannot lock.
var ErrNoLocks = errors.New("cache: this store has no locks")

// TryLock takes name's lock on s when s is a Locker (directly or under
// decorators that Unwrap to one).
func TryLock(ctx context.Context, s Store, name string) (Lock, error) {
	for {
		if l, ok := s.(Locker); ok {
			return l.TryLock(ctx, name)
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			return nil, ErrNoLocks
		}
		s = u.Unwrap()
	}
}
