package cache

import (
	"context"
	"time"
)

// Leaser is implemented by stores that several processes share (S3): a
// lease is a named lock with an expiry, renewed in the background while it
// is held, so the work it guards (one upstream download of a file, the
// prefetcher) runs in one process of a cluster at a time and is taken over
// when its holder dies. Stores only one process uses (FS, Mem) do not
// implement it: for them the in-process coordination is all there is.
type Leaser interface {
	// TakeLease takes the lease name (a valid key) for ttl, or fails at
	// once with an error satisfying errors.Is(err, ErrLocked) while another
	// holder has it.
	TakeLease(ctx context.Context, name string, ttl time.Duration) (Lease, error)
}

// Lease is a held lease.
type Lease interface {
	// Lost is closed once the lease is no longer held (lost to a failed
	// renewal, or released): the work it guards must stop.
	Lost() <-chan struct{}
	// Release gives the lease up.
	Release(ctx context.Context) error
}

// TakeLease is TryLease seen as a cache.Leaser.
func (s *S3) TakeLease(ctx context.Context, name string, ttl time.Duration) (Lease, error) {
	l, err := s.TryLease(ctx, name, ttl)
	if err != nil {
		return nil, err
	}
	return l, nil
}

var _ Leaser = (*S3)(nil)

// LeaserOf returns the Leaser under s's decorators, if there is one.
func LeaserOf(s Store) (Leaser, bool) {
	return unwrapTo[Leaser](s)
}

// PresignerOf returns the Presigner under s's decorators, if there is one.
func PresignerOf(s Store) (Presigner, bool) {
	return unwrapTo[Presigner](s)
}

// unwrapTo finds the first store implementing T, looking through
// decorators that Unwrap.
func unwrapTo[T any](s Store) (T, bool) {
	for {
		if v, ok := s.(T); ok {
			return v, true
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			var zero T
			return zero, false
		}
		s = u.Unwrap()
	}
}

// Check asks a remote store under s's decorators (one with a
// Check(ctx) error method, as S3) whether it answers; local stores pass.
func Check(ctx context.Context, s Store) error {
	c, ok := unwrapTo[interface{ Check(context.Context) error }](s)
	if !ok {
		return nil
	}
	return c.Check(ctx)
}
