package cache_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
)

// gatedFetch serves data once released, counting its calls and saying
// when the first one arrived.
type gatedFetch struct {
	data    []byte
	calls   atomic.Int32
	arrived chan struct{}
	release chan struct{}
}

func newGatedFetch(data []byte) *gatedFetch {
	return &gatedFetch{data: data, arrived: make(chan struct{}, 16), release: make(chan struct{})}
}

func (g *gatedFetch) fetch(ctx context.Context) (io.ReadCloser, int64, error) {
	g.calls.Add(1)
	g.arrived <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	return io.NopCloser(bytes.NewReader(g.data)), int64(len(g.data)), nil
}

func expectOf(data []byte) cache.Expect {
	sum := sha256.Sum256(data)
	return cache.Expect{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
}

// readDownload streams a download to its end.
func readDownload(t *testing.T, d *cache.Download) []byte {
	t.Helper()
	r := d.Reader()
	defer r.Close()
	<-d.Ready()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading the download: %v", err)
	}
	return b
}

// TestClusterFillOneFetch: two replicas (two stores on one bucket prefix,
// two Fillers) miss the same key at once; one fetches upstream, the other
// waits for its object and streams it.
func TestClusterFillOneFetch(t *testing.T) {
	srv := miniotest.Shared(t)
	cfg := s3Config(srv, srv.Bucket())
	a, b := openS3(t, cfg), openS3(t, cfg)
	data := pattern(7 << 20) // multipart
	key := "web/packages/aa/bb/cluster-1.0.tar.gz"
	fa := cache.NewFiller(a, cache.FillerOptions{SpoolDir: t.TempDir()})
	fb := cache.NewFiller(b, cache.FillerOptions{SpoolDir: t.TempDir()})
	defer fa.Close()
	defer fb.Close()
	up := newGatedFetch(data)
	da, _, err := fa.Stream(context.Background(), key, expectOf(data), up.fetch)
	if err != nil || da == nil {
		t.Fatalf("first replica: %v %v", da, err)
	}
	<-up.arrived // a holds the lease and is fetching
	db, _, err := fb.Stream(context.Background(), key, expectOf(data), up.fetch)
	if err != nil || db == nil {
		t.Fatalf("second replica: %v %v", db, err)
	}
	got := make(chan []byte, 1)
	go func() { got <- readDownload(t, db) }()
	close(up.release)
	if !bytes.Equal(readDownload(t, da), data) {
		t.Fatal("first replica's client got wrong bytes")
	}
	if !bytes.Equal(<-got, data) {
		t.Fatal("second replica's client got wrong bytes")
	}
	if n := up.calls.Load(); n != 1 {
		t.Fatalf("upstream fetched %d times, want 1", n)
	}
}

// TestClusterFillTakeover: the lease of a holder that died (it stopped
// renewing) expires, and a waiting replica downloads the file itself.
func TestClusterFillTakeover(t *testing.T) {
	srv := miniotest.Shared(t)
	cfg := s3Config(srv, srv.Bucket())
	dead, live := openS3(t, cfg), openS3(t, cfg)
	data := pattern(1 << 20)
	key := "web/packages/aa/bb/takeover-1.0.tar.gz"
	l, err := dead.TryLease(context.Background(), cache.FillLeaseName(key), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cache.StopRenewing(l) // the holder crashed mid-download
	f := cache.NewFiller(live, cache.FillerOptions{SpoolDir: t.TempDir(), LeaseTTL: time.Second})
	defer f.Close()
	up := newGatedFetch(data)
	close(up.release)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := f.Publish(ctx, key, expectOf(data), up.fetch)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Publish after takeover: %d, %v", n, err)
	}
	if time.Now().Before(l.Expires()) {
		t.Fatal("downloaded before the dead holder's lease expired")
	}
	if c := up.calls.Load(); c != 1 {
		t.Fatalf("upstream fetched %d times, want 1", c)
	}
	if _, err := dead.Stat(ctx, key); err != nil {
		t.Fatalf("published object not visible to the other replica: %v", err)
	}
}
