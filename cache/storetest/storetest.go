// Package storetest is the compliance suite every cache.Store backend runs:
//
//	func TestCompliance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) cache.Store { return newBackend(t) })
//	}
//
// newStore is called once per subtest and must return an empty store.
// The replace-while-reading subtest runs only for backends implementing
// cache.Snapshotter with SnapshotReads() == true.
//
// Context behaviour the suite pins down: with an already-cancelled ctx,
// Open, Stat, Create, Delete and Walk return an error satisfying
// errors.Is(err, context.Canceled); Commit publishes nothing and leaves the
// old object intact; Cancel still discards the data.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// Run runs every compliance subtest against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) cache.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s cache.Store)
	}{
		{"CommitThenRead", testCommitThenRead},
		{"InvisibleBeforeCommit", testInvisibleBeforeCommit},
		{"CancelLeavesNothing", testCancel},
		{"WriterFinished", testWriterFinished},
		{"Replace", testReplace},
		{"ReplaceWhileReading", testReplaceWhileReading},
		{"Delete", testDelete},
		{"DirectoryIsNotObject", testDirectoryIsNotObject},
		{"Walk", testWalk},
		{"WalkHidden", testWalkHidden},
		{"WalkStops", testWalkStops},
		{"InvalidKeys", testInvalidKeys},
		{"SeekAndPartialReads", testSeek},
		{"ConcurrentWriters", testConcurrentWriters},
		{"LargeStreamed", testLarge},
		{"CancelledContext", testCancelledContext},
		{"CopyObject", testCopyObject},
		{"Lock", testLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

// Put writes data under key and commits it, failing t on error.
func Put(t testing.TB, s cache.Store, key string, data []byte) {
	t.Helper()
	ctx := context.Background()
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	defer w.Cancel(ctx)
	if _, err := w.Write(data); err != nil {
		t.Fatalf("Write(%q): %v", key, err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatalf("Commit(%q): %v", key, err)
	}
}

// Get reads the whole object under key, failing t on error.
func Get(t testing.TB, s cache.Store, key string) []byte {
	t.Helper()
	o, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

// AssertMissing fails t unless Open and Stat report key as not existing.
func AssertMissing(t testing.TB, s cache.Store, key string) {
	t.Helper()
	ctx := context.Background()
	if o, err := s.Open(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			o.Close()
		}
		t.Errorf("Open(%q) = %v, want fs.ErrNotExist", key, err)
	}
	if _, err := s.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(%q) = %v, want fs.ErrNotExist", key, err)
	}
}

// Keys returns the keys Walk reports under prefix, as a set.
func Keys(t testing.TB, s cache.Store, prefix string) map[string]cache.Info {
	t.Helper()
	got := map[string]cache.Info{}
	err := s.Walk(context.Background(), prefix, func(i cache.Info) error {
		if _, dup := got[i.Key]; dup {
			t.Errorf("Walk(%q) reported %q twice", prefix, i.Key)
		}
		got[i.Key] = i
		return nil
	})
	if err != nil {
		t.Fatalf("Walk(%q): %v", prefix, err)
	}
	return got
}

func testCommitThenRead(t *testing.T, s cache.Store) {
	const key = "web/simple/numpy/index.html"
	data := []byte("<html>numpy</html>")
	before := time.Now().Add(-2 * time.Second)
	Put(t, s, key, data)
	after := time.Now().Add(2 * time.Second)

	if got := Get(t, s, key); !bytes.Equal(got, data) {
		t.Errorf("content = %q, want %q", got, data)
	}
	info, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != key || info.Size != int64(len(data)) {
		t.Errorf("Stat = %+v, want key %q size %d", info, key, len(data))
	}
	if info.ModTime.Before(before) || info.ModTime.After(after) {
		t.Errorf("ModTime %v not within [%v, %v]", info.ModTime, before, after)
	}
	o, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if oi := o.Info(); oi.Key != key || oi.Size != info.Size {
		t.Errorf("Object.Info = %+v, want %+v", oi, info)
	}
	empty := "web/empty"
	Put(t, s, empty, nil)
	if got := Get(t, s, empty); len(got) != 0 {
		t.Errorf("empty object read %d bytes", len(got))
	}
}

func testInvisibleBeforeCommit(t *testing.T, s cache.Store) {
	ctx := context.Background()
	const key = "web/packages/aa/bb/cc/pending.whl"
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Cancel(ctx)
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	AssertMissing(t, s, key)
	if keys := Keys(t, s, ""); len(keys) != 0 {
		t.Errorf("Walk before Commit reported %v", keys)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := Get(t, s, key); string(got) != "partial" {
		t.Errorf("after Commit content = %q", got)
	}
}

func testCancel(t *testing.T, s cache.Store) {
	ctx := context.Background()
	const key = "a/b/cancelled"
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("junk"))
	if err := w.Cancel(ctx); err != nil {
		t.Errorf("Cancel: %v", err)
	}
	if err := w.Cancel(ctx); err != nil {
		t.Errorf("second Cancel: %v", err)
	}
	if err := w.Commit(ctx); err == nil {
		t.Errorf("Commit after Cancel succeeded")
	}
	AssertMissing(t, s, key)
	if keys := Keys(t, s, ""); len(keys) != 0 {
		t.Errorf("Walk after Cancel reported %v", keys)
	}
}

func testWriterFinished(t *testing.T, s cache.Store) {
	ctx := context.Background()
	w, err := s.Create(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("one"))
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Errorf("second Commit: %v, want nil (idempotent)", err)
	}
	if err := w.Cancel(ctx); err != nil {
		t.Errorf("Cancel after Commit: %v", err)
	}
	if _, err := w.Write([]byte("more")); err == nil {
		t.Errorf("Write after Commit succeeded")
	}
	if got := Get(t, s, "k"); string(got) != "one" {
		t.Errorf("content = %q, want %q", got, "one")
	}
}

// testCopyObject: a copy reads the same, is independent of later writes
// to either key, and a missing source is ErrNotExist. It runs the backend's
// Copier when it has one, the read-and-write fallback otherwise.
func testCopyObject(t *testing.T, s cache.Store) {
	ctx := context.Background()
	Put(t, s, "a/index.v1_html", []byte("page one"))
	Put(t, s, "a/index.html", []byte("older"))
	if err := cache.CopyObject(ctx, s, "a/index.v1_html", "a/index.html"); err != nil {
		t.Fatal(err)
	}
	if got := Get(t, s, "a/index.html"); string(got) != "page one" {
		t.Errorf("copy reads %q", got)
	}
	if err := cache.CopyObject(ctx, s, "a/index.v1_html", "b/c/new"); err != nil {
		t.Fatalf("copy into a new directory: %v", err)
	}
	Put(t, s, "a/index.v1_html", []byte("page two"))
	if got := Get(t, s, "a/index.html"); string(got) != "page one" {
		t.Errorf("after rewriting the source the copy reads %q", got)
	}
	Put(t, s, "b/c/new", []byte("changed"))
	if got := Get(t, s, "a/index.v1_html"); string(got) != "page two" {
		t.Errorf("after rewriting the copy the source reads %q", got)
	}
	if err := cache.CopyObject(ctx, s, "missing", "a/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("copy of a missing object: %v, want ErrNotExist", err)
	}
	AssertMissing(t, s, "a/x")
	if got := Keys(t, s, "a/"); len(got) != 2 {
		t.Errorf("objects under a/ after the copies: %v (a temp name left over?)", got)
	}
}

func testReplace(t *testing.T, s cache.Store) {
	Put(t, s, "k", []byte("old content, longer"))
	Put(t, s, "k", []byte("new"))
	if got := Get(t, s, "k"); string(got) != "new" {
		t.Errorf("after replace content = %q", got)
	}
	if info, _ := s.Stat(context.Background(), "k"); info.Size != 3 {
		t.Errorf("after replace size = %d", info.Size)
	}
}

func testReplaceWhileReading(t *testing.T, s cache.Store) {
	if sn, ok := s.(cache.Snapshotter); !ok || !sn.SnapshotReads() {
		t.Skip("backend does not promise snapshot reads")
	}
	old := bytes.Repeat([]byte("old!"), 64<<10)
	Put(t, s, "k", old)
	o, err := s.Open(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	head := make([]byte, 10)
	if _, err := io.ReadFull(o, head); err != nil {
		t.Fatal(err)
	}
	Put(t, s, "k", []byte("new"))
	rest, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(head, rest...); !bytes.Equal(got, old) {
		t.Errorf("reader opened before replace read %d bytes, want the old %d", len(got), len(old))
	}
	if err := s.Delete(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(o); !bytes.Equal(got, old) {
		t.Errorf("reader after Delete read %d bytes, want the old %d", len(got), len(old))
	}
}

func testDelete(t *testing.T, s cache.Store) {
	ctx := context.Background()
	if err := s.Delete(ctx, "missing/key"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
	Put(t, s, "a/b/c", []byte("x"))
	Put(t, s, "a/d", []byte("y"))
	if err := s.Delete(ctx, "a/b/c"); err != nil {
		t.Fatal(err)
	}
	AssertMissing(t, s, "a/b/c")
	if got := Get(t, s, "a/d"); string(got) != "y" {
		t.Errorf("sibling content = %q", got)
	}
	if err := s.Delete(ctx, "a/b/c"); err != nil {
		t.Errorf("second Delete = %v", err)
	}
	Put(t, s, "a/b/c", []byte("again")) // the emptied directory can be reused
	if got := Get(t, s, "a/b/c"); string(got) != "again" {
		t.Errorf("recreated content = %q", got)
	}
}

func testDirectoryIsNotObject(t *testing.T, s cache.Store) {
	Put(t, s, "dir/file", []byte("x"))
	AssertMissing(t, s, "dir")
	if err := s.Delete(context.Background(), "dir"); err != nil {
		t.Errorf("Delete(dir) = %v", err)
	}
	if got := Get(t, s, "dir/file"); string(got) != "x" {
		t.Errorf("content = %q", got)
	}
}
