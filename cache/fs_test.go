package cache_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

func newFS(t *testing.T) *cache.FS {
	t.Helper()
	s, err := cache.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFSCompliance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cache.Store { return newFS(t) })
}

// tempFiles lists the .tmp- files under root.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	var tmps []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), cache.TempPrefix) {
			tmps = append(tmps, p)
		}
		return nil
	})
	return tmps
}

func TestFSLayoutAndTempFiles(t *testing.T) {
	s := newFS(t)
	ctx := context.Background()
	const key = "web/simple/numpy/index.html"
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hi"))
	tmps := tempFiles(t, s.Root())
	if len(tmps) != 1 || filepath.Dir(tmps[0]) != filepath.Join(s.Root(), "web", "simple", "numpy") {
		t.Fatalf("temp files %q, want one in the target's directory", tmps)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Root(), "web", "simple", "numpy", "index.html")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("object is not a plain file at root/key: %v", err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("file mode %v, want 0644", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(p)); di.Mode().Perm()&0o755 != 0o755 {
		t.Errorf("dir mode %v, want 0755", di.Mode().Perm())
	}
	if tmps := tempFiles(t, s.Root()); len(tmps) != 0 {
		t.Errorf("temp files left after Commit: %q", tmps)
	}
	o, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	f, ok := o.(cache.Filer)
	if !ok || f.File() == nil || f.File().Name() != p {
		t.Errorf("Object does not expose its *os.File")
	}
}

func TestFSCleanTemp(t *testing.T) {
	s := newFS(t)
	ctx := context.Background()
	storetest.Put(t, s, "a/b/kept", []byte("kept"))
	var abandoned []cache.Writer
	for _, k := range []string{"a/b/one", "a/two", "three"} {
		w, err := s.Create(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("partial")) // neither committed nor cancelled: "crash"
		abandoned = append(abandoned, w)
	}
	if n, err := s.CleanTemp(time.Hour); err != nil || n != 0 {
		t.Errorf("CleanTemp(1h) = %d, %v; want 0 (files are fresh)", n, err)
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range tempFiles(t, s.Root()) {
		os.Chtimes(p, old, old)
	}
	if n, err := s.CleanTemp(time.Hour); err != nil || n != 3 {
		t.Errorf("CleanTemp(1h) = %d, %v; want 3", n, err)
	}
	if tmps := tempFiles(t, s.Root()); len(tmps) != 0 {
		t.Errorf("left: %q", tmps)
	}
	if got := storetest.Get(t, s, "a/b/kept"); string(got) != "kept" {
		t.Errorf("committed object damaged: %q", got)
	}
	for _, w := range abandoned {
		if err := w.Commit(ctx); err == nil {
			t.Errorf("Commit of a cleaned writer succeeded")
		}
	}
}

func TestFSDeletePrunesEmptyDirs(t *testing.T) {
	s := newFS(t)
	ctx := context.Background()
	storetest.Put(t, s, "web/packages/aa/bb/cc/x.whl", []byte("x"))
	storetest.Put(t, s, "web/packages/aa/other", []byte("o"))
	if err := s.Delete(ctx, "web/packages/aa/bb/cc/x.whl"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Root(), "web/packages/aa/bb")); !os.IsNotExist(err) {
		t.Errorf("empty dir web/packages/aa/bb not removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Root(), "web/packages/aa")); err != nil {
		t.Errorf("non-empty dir removed: %v", err)
	}
	storetest.Put(t, s, "solo/f", []byte("f"))
	s.Delete(ctx, "solo/f")
	if _, err := os.Stat(s.Root()); err != nil {
		t.Errorf("root removed: %v", err)
	}
}

// TestFSWalkSkipsForeignFiles: files put in the tree by others.
func TestFSWalkSkipsForeignFiles(t *testing.T) {
	s := newFS(t)
	storetest.Put(t, s, "web/ok", []byte("ok"))
	root := s.Root()
	os.WriteFile(filepath.Join(root, ".lock"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "web", `back\slash`), nil, 0o644)
	os.Symlink("ok", filepath.Join(root, "web", "link"))
	os.MkdirAll(filepath.Join(root, ".git", "objects"), 0o755)
	os.WriteFile(filepath.Join(root, ".git", "objects", "x"), nil, 0o644)
	keys := storetest.Keys(t, s, "")
	if len(keys) != 1 {
		t.Errorf("Walk = %v, want only web/ok", keys)
	}
}
