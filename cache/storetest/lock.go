package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// testLock: a store that can lock (cache.Locker) gives each named lock to
// one holder at a time, and again once released; other names are
// independent; the lock is no object (Walk does not report it).
func testLock(t *testing.T, s cache.Store) {
	ctx := context.Background()
	first, err := cache.TryLock(ctx, s, "")
	if errors.Is(err, cache.ErrNoLocks) {
		t.Skip("this store cannot lock")
	}
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if _, err := cache.TryLock(ctx, s, ""); !errors.Is(err, cache.ErrLocked) {
		t.Fatalf("second lock while held: %v, want ErrLocked", err)
	}
	other, err := cache.TryLock(ctx, s, "evictor")
	if err != nil {
		t.Fatalf("a lock of another name: %v", err)
	}
	defer other.Release()
	if keys := Keys(t, s, ""); len(keys) != 0 {
		t.Errorf("locks are visible as objects: %v", keys)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	again, err := cache.TryLock(ctx, s, "")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.Release()
}
