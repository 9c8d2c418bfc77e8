package cache

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDeferSyncStaysAtomic: deferred writes skip fsync but are published
// by rename like any other, and Sync flushes them.
func TestDeferSyncStaysAtomic(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := DeferSync(context.Background())
	if !syncDeferred(ctx) || syncDeferred(SyncWrites(ctx)) || syncDeferred(context.Background()) {
		t.Fatal("DeferSync/SyncWrites flags wrong")
	}
	w, err := s.Create(ctx, "web/simple/a/index.html")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("page"))
	if _, err := os.Stat(filepath.Join(dir, "web/simple/a/index.html")); err == nil {
		t.Fatal("visible before Commit")
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadObject(ctx, s, "web/simple/a/index.html"); err != nil || string(b) != "page" {
		t.Fatalf("after deferred commit: %q %v", b, err)
	}
	if err := Flush(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := Flush(ctx, NewMem()); err != nil {
		t.Fatal("Flush of a store without deferred writes:", err)
	}
}
