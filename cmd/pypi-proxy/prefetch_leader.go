package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

// mirrorLease is the lease of the one writer of a bucket's mirror state:
// serve --prefetch's leader, and `mirror` (S3's cache.Locker names the
// mirror's lock so too).
const mirrorLease = "mirror"

// runPrefetchLeader runs the mirror every interval while this replica
// holds the bucket's mirror lease. The replicas of one bucket all wait for
// it; the holder renews it while it runs; when the holder dies its lease
// expires and a waiting replica takes over within ttl and a second. A
// holder that loses its lease (renewals failed, say S3 was unreachable
// for ttl) stops its pass and waits again.
func runPrefetchLeader(ctx context.Context, s *cache.S3, ttl time.Duration, m *prefetch.Mirror, interval time.Duration, log *slog.Logger) {
	for ctx.Err() == nil {
		l, err := s.AwaitLease(ctx, mirrorLease, ttl)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("prefetch: cannot take the leader lease; retrying", "err", err)
				sleepCtx(ctx, ttl/3)
			}
			continue
		}
		log.Info("prefetch: this replica leads the mirror", "lease_ttl", ttl)
		lctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-l.Lost():
				cancel()
			case <-lctx.Done():
			}
		}()
		m.Run(lctx, interval)
		lost := lctx.Err() != nil && ctx.Err() == nil
		cancel()
		_ = l.Release(context.Background())
		if lost {
			log.Warn("prefetch: leader lease lost; waiting to lead again")
		}
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
