package cache_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

// failAfter fails writes with ENOSPC once n bytes have been written.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, &os.PathError{Op: "write", Path: "tmp", Err: syscall.ENOSPC}
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// assertFailedWriteHarmless checks the state after a failed write of key:
// old content intact, no temp file left, Commit fails.
func assertFailedWriteHarmless(t *testing.T, s *cache.FS, w cache.Writer, key string, old []byte) {
	t.Helper()
	ctx := context.Background()
	if err := w.Commit(ctx); err == nil {
		t.Errorf("Commit after a failed write succeeded")
	}
	w.Cancel(ctx)
	if got := storetest.Get(t, s, key); !bytes.Equal(got, old) {
		t.Errorf("old object changed: %d bytes, want %d", len(got), len(old))
	}
	if tmps := tempFiles(t, s.Root()); len(tmps) != 0 {
		t.Errorf("temp files left: %q", tmps)
	}
}

func TestFSWriteFailureKeepsOld(t *testing.T) {
	s := newFS(t)
	const key = "web/packages/aa/bb/cc/x.whl"
	old := []byte("the old object")
	storetest.Put(t, s, key, old)
	cache.SetWrapTemp(s, func(w io.Writer) io.Writer { return &failAfter{w: w, n: 100} })
	w, err := s.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Write(make([]byte, 1000))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Write = %v, want ENOSPC", err)
	}
	assertFailedWriteHarmless(t, s, w, key, old)
}

func TestFSCommitFailureKeepsOld(t *testing.T) {
	s := newFS(t)
	// A non-empty directory where the file should go makes the rename fail.
	storetest.Put(t, s, "a/b/c", []byte("c"))
	w, err := s.Create(context.Background(), "a/b")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x"))
	if err := w.Commit(context.Background()); err == nil {
		t.Fatal("Commit over a directory succeeded")
	}
	assertFailedWriteHarmless(t, s, w, "a/b/c", []byte("c"))
}

func TestFSReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	s := newFS(t)
	storetest.Put(t, s, "ro/x", []byte("old"))
	dir := filepath.Join(s.Root(), "ro")
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	if w, err := s.Create(context.Background(), "ro/x"); err == nil {
		w.Cancel(context.Background())
		t.Fatal("Create in a read-only directory succeeded")
	}
	if got := storetest.Get(t, s, "ro/x"); string(got) != "old" {
		t.Errorf("old object changed: %q", got)
	}
}

// TestFSDiskFull writes into a real 256 KiB tmpfs (Linux, root only).
func TestFSDiskFull(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to mount a tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	s, err := cache.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	const key = "web/packages/aa/bb/cc/x.whl"
	old := bytes.Repeat([]byte("o"), 64<<10)
	storetest.Put(t, s, key, old)
	w, err := s.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := 0; i < 64 && werr == nil; i++ {
		_, werr = w.Write(make([]byte, 32<<10))
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("writing 2 MiB into 256 KiB: %v, want ENOSPC", werr)
	}
	assertFailedWriteHarmless(t, s, w, key, old)
	storetest.Put(t, s, "after", []byte("space was freed")) // temp removed
}
