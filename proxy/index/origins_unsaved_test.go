package index

import (
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// TestUnsavedOriginsWrittenWhenTheDiskRecovers: a record that could not
// be written (a full disk) is kept in memory, lookups find it, and the
// next record of the same files is written although memory already holds
// them.
func TestUnsavedOriginsWrittenWhenTheDiskRecovers(t *testing.T) {
	fs, err := cache.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	store := failingCreates{Store: fs, prefix: cache.OriginsPrefix, on: &full}
	book, err := newOriginBook(store, 1<<20, 1<<16, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	key := "web/packages/aa/bb/cc/demo-1.0.tar.gz"
	files := map[string]origin{key: {Project: "demo", URL: "https://files.example/demo-1.0.tar.gz", Size: 3}}
	full.Store(true)
	if err := book.record(t.Context(), "demo", files); !errors.Is(err, errDiskFull) {
		t.Fatalf("record on a full disk: %v", err)
	}
	if o, ok := book.lookup(t.Context(), key); !ok || o.URL != files[key].URL {
		t.Fatalf("lookup after a failed write: %+v %v, want the record from memory", o, ok)
	}
	full.Store(false)
	if err := book.record(t.Context(), "demo", files); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(t.Context(), cache.ProjectOriginsKey("demo")); err != nil {
		t.Errorf("the same record after the disk recovered: %v, want it written", err)
	}
}
