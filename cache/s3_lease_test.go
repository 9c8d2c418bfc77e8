package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
	"github.com/pypi-proxy/pypi-proxy/internal/wait"
)

// fakeClock is a lease clock that tests move forward.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// leaseStores opens n stores on one tree (as n replicas would), sharing
// one fake clock.
func leaseStores(t *testing.T, n int) ([]*cache.S3, *fakeClock) {
	srv := miniotest.Shared(t)
	cfg := s3Config(srv, srv.Bucket())
	clock := &fakeClock{}
	stores := make([]*cache.S3, n)
	for i := range stores {
		stores[i] = openS3(t, cfg)
		cache.SetS3Clock(stores[i], clock.now)
	}
	return stores, clock
}

// tryAll has every store try the lease at once and returns the winners.
func tryAll(t *testing.T, stores []*cache.S3, name string, ttl time.Duration) []*cache.S3Lease {
	var (
		mu   sync.Mutex
		won  []*cache.S3Lease
		wg   sync.WaitGroup
		gate = make(chan struct{})
	)
	for _, s := range stores {
		wg.Go(func() {
			<-gate
			l, err := s.TryLease(context.Background(), name, ttl)
			if err != nil && !errors.Is(err, cache.ErrLocked) {
				t.Errorf("TryLock: %v", err)
			}
			if l != nil {
				mu.Lock()
				won = append(won, l)
				mu.Unlock()
			}
		})
	}
	close(gate)
	wg.Wait()
	return won
}

func TestS3LeaseOneWinner(t *testing.T) {
	stores, _ := leaseStores(t, 8)
	won := tryAll(t, stores, "web/packages/aa/bb/x.whl", time.Minute)
	if len(won) != 1 {
		t.Fatalf("%d holders, want 1", len(won))
	}
	if keys := storetest.Keys(t, stores[0], ""); len(keys) != 0 {
		t.Errorf("Walk reports the lease object: %v", keys)
	}
	if err := won[0].Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := tryAll(t, stores, "web/packages/aa/bb/x.whl", time.Minute)
	if len(again) != 1 {
		t.Fatalf("after Release %d holders, want 1", len(again))
	}
	again[0].Release(context.Background())
}

// TestS3LeaseExpiredTakenOver: a holder that stopped renewing (crashed)
// loses its lease after ttl; exactly one contender takes it over, and the
// old holder learns it lost it.
func TestS3LeaseExpiredTakenOver(t *testing.T) {
	stores, clock := leaseStores(t, 6)
	ctx := context.Background()
	const ttl = 30 * time.Second
	crashed, err := stores[0].TryLease(ctx, "prefetch", ttl)
	if err != nil {
		t.Fatal(err)
	}
	cache.StopRenewing(crashed)
	if _, err := stores[1].TryLease(ctx, "prefetch", ttl); !errors.Is(err, cache.ErrLocked) {
		t.Fatalf("TryLock of a live lease = %v, want ErrLocked", err)
	}
	clock.advance(ttl + time.Second)
	won := tryAll(t, stores[1:], "prefetch", ttl)
	if len(won) != 1 {
		t.Fatalf("%d took over the expired lease, want 1", len(won))
	}
	if err := crashed.Renew(ctx); !errors.Is(err, cache.ErrLeaseLost) {
		t.Errorf("Renew of the taken-over lease = %v, want ErrLeaseLost", err)
	}
	select {
	case <-crashed.Lost():
	default:
		t.Errorf("Lost not closed after a failed Renew")
	}
	if err := crashed.Release(ctx); !errors.Is(err, cache.ErrLeaseLost) {
		t.Errorf("Release of a lost lease = %v, want ErrLeaseLost", err)
	}
	if err := won[0].Renew(ctx); err != nil {
		t.Errorf("the new holder's Renew: %v", err)
	}
	won[0].Release(ctx)
}

// TestS3LeaseRenews: a held lease renews itself, so it never expires
// while its holder lives.
func TestS3LeaseRenews(t *testing.T) {
	stores, _ := leaseStores(t, 2)
	ctx := context.Background()
	l, err := stores[0].TryLease(ctx, "leader", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	first := l.Expires()
	wait.For(t, "the lease to be renewed", func() bool {
		select {
		case <-l.Lost():
			t.Fatal("lease lost")
		default:
		}
		return l.Expires().After(first)
	})
	if _, err := stores[1].TryLease(ctx, "leader", time.Second); !errors.Is(err, cache.ErrLocked) {
		t.Errorf("TryLock of a renewed lease = %v, want ErrLocked", err)
	}
}

// TestS3LockWaits: Lock waits for the holder's Release.
func TestS3LockWaits(t *testing.T) {
	stores, _ := leaseStores(t, 2)
	ctx := context.Background()
	held, err := stores[0].TryLease(ctx, "k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := stores[1].AwaitLease(ctx, "k", time.Minute)
		if err == nil {
			err = l.Release(ctx)
		}
		got <- err
	}()
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := stores[1].AwaitLease(short, "k", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock while held = %v, want a deadline error", err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Errorf("Lock after Release: %v", err)
	}
}
