package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

// TestTempCleanSparesRunningMirror: serve's start-up clean-up leaves the
// temp files of a mirror that holds the lock (the mirror renames them
// later: its todo, its pages), and removes them once no mirror holds it
// or when serve --prefetch holds the lock itself.
func TestTempCleanSparesRunningMirror(t *testing.T) {
	dir := t.TempDir()
	store, err := cache.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	mirrorTemp := filepath.Join(dir, ".tmp-todo-1234")
	os.WriteFile(mirrorTemp, []byte("target serial"), 0o644)
	old := time.Now().Add(-time.Minute)
	os.Chtimes(mirrorTemp, old, old)
	start := time.Now()
	log := quietLog()

	lock, err := prefetch.AcquireLock(dir) // the running mirror
	if err != nil {
		t.Fatal(err)
	}
	cleanTempLeftovers(store, dir, start, false, log)
	if _, err := os.Stat(mirrorTemp); err != nil {
		t.Fatalf("serve removed a running mirror's temp file: %v", err)
	}
	fresh := filepath.Join(dir, ".tmp-fresh")
	os.WriteFile(fresh, nil, 0o644) // written after serve started
	later := start.Add(time.Minute) // stated, not left to the clock's granularity
	os.Chtimes(fresh, later, later)
	lock.Release()

	cleanTempLeftovers(store, dir, start, false, log)
	if _, err := os.Stat(mirrorTemp); !os.IsNotExist(err) {
		t.Errorf("a dead mirror's leftover survived: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a temp file newer than the start was removed: %v", err)
	}

	os.WriteFile(mirrorTemp, nil, 0o644)
	os.Chtimes(mirrorTemp, old, old)
	lock, err = prefetch.AcquireLock(dir) // serve --prefetch's own lock
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	cleanTempLeftovers(store, dir, start, true, log)
	if _, err := os.Stat(mirrorTemp); !os.IsNotExist(err) {
		t.Errorf("with our own lock held, the leftover survived: %v", err)
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
