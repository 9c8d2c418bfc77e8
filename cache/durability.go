package cache

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

type deferSyncKey struct{}

// DeferSync marks writes made with ctx as not needing to be durable one by
// one: a backend may skip the per-object fsync. They are still atomic (a
// reader or a killed process never sees half an object); only a machine
// crash may lose them. The caller must call Flush before it records that
// they happened (the mirror: before it writes todo or status). A bulk sync
// of thousands of small files is bound by fsyncs otherwise.
func DeferSync(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferSyncKey{}, true)
}

// SyncWrites undoes DeferSync for writes made with the returned context.
func SyncWrites(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferSyncKey{}, false)
}

func syncDeferred(ctx context.Context) bool {
	d, _ := ctx.Value(deferSyncKey{}).(bool)
	return d
}

// Syncer is implemented by stores whose deferred writes need flushing.
type Syncer interface {
	// Sync makes every write committed so far durable.
	Sync(ctx context.Context) error
}

// Flush makes s's committed writes durable when s defers any.
func Flush(ctx context.Context, s Store) error {
	if sy, ok := s.(Syncer); ok {
		return sy.Sync(ctx)
	}
	return nil
}

// Sync flushes the file system holding the tree (syncfs).
func (s *FS) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := os.Open(s.root)
	if err != nil {
		return fmt.Errorf("cache: sync: %w", err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("cache: sync: %w", err)
	}
	return nil
}
