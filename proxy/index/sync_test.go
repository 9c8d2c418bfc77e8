package index

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// failingCreates fails every Create of a key under prefix while on is set,
// as a full disk would.
type failingCreates struct {
	cache.Store
	prefix string
	on     *atomic.Bool
}

var errDiskFull = errors.New("no space left on device (injected)")

func (f failingCreates) Create(ctx context.Context, key string) (cache.Writer, error) {
	if f.on.Load() && strings.HasPrefix(key, f.prefix) {
		return nil, errDiskFull
	}
	return f.Store.Create(ctx, key)
}

// TestSyncCommitReportsWriteFailures: a page or origins record that cannot
// be written fails the sync (the mirror keeps the project for the next
// pass) instead of being logged and forgotten; the files that left the page
// stay until a page without them is written.
func TestSyncCommitReportsWriteFailures(t *testing.T) {
	for _, prefix := range []string{"web/simple/projectc/", "state/origins/projectc"} {
		t.Run(prefix, func(t *testing.T) {
			on := &atomic.Bool{}
			h := newTestService(t, func(s cache.Store) cache.Store {
				return failingCreates{Store: s, prefix: prefix, on: on}
			})
			ctx := context.Background()
			res, err := syncProject(h.svc, "projectc")
			if err != nil {
				t.Fatalf("first sync: %v", err)
			}
			gone := ""
			for _, f := range res.Files {
				if strings.Contains(f.Key, "projectc-1.0") {
					gone = f.Key
				}
			}
			h.up.RemoveRelease("projectc", "1.0")
			on.Store(true)
			if _, err := syncProject(h.svc, "projectc"); !errors.Is(err, errDiskFull) {
				t.Fatalf("sync on a full disk: %v, want the write error", err)
			}
			if _, err := h.store.Stat(ctx, gone); err != nil {
				t.Errorf("%s deleted although no page without it was written: %v", gone, err)
			}
			on.Store(false)
			if _, err := syncProject(h.svc, "projectc"); err != nil {
				t.Fatalf("sync with room again: %v", err)
			}
			if _, err := h.store.Stat(ctx, gone); err == nil {
				t.Errorf("%s still there after the page without it was written", gone)
			}
		})
	}
}

// syncProject does what the mirror does for one project: prepare, fetch
// its files, commit.
func syncProject(s *Service, name string) (*Plan, error) {
	ctx := context.Background()
	plan, err := s.Prepare(ctx, name, -1)
	if err != nil {
		return nil, err
	}
	for _, f := range plan.Files {
		if _, err := s.Store().Stat(ctx, f.Key); err == nil {
			continue
		}
		if _, err := plan.Fetch(ctx, f.Key); err != nil {
			return nil, err
		}
	}
	return plan, s.Commit(ctx, plan)
}
