package cache_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
	"github.com/pypi-proxy/pypi-proxy/internal/wait"
)

// stallingFetch serves the first head bytes of data, then nothing until
// the download's context ends: an upstream caught mid-file.
type stallingFetch struct {
	data  []byte
	head  int
	calls atomic.Int32
}

func (s *stallingFetch) fetch(ctx context.Context) (io.ReadCloser, int64, error) {
	s.calls.Add(1)
	return &stallingBody{ctx: ctx, head: bytes.NewReader(s.data[:s.head])}, int64(len(s.data)), nil
}

type stallingBody struct {
	ctx  context.Context
	head *bytes.Reader
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.head.Len() > 0 {
		return b.head.Read(p)
	}
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}

func (b *stallingBody) Close() error { return nil }

// TestClusterFillLeaseLost: a replica whose file lease is lost while it
// downloads (taken over by another replica once it looked expired, or its
// object removed) aborts the download: its client's response is cut short
// with ErrLeaseLost, nothing is published and no upload is left, and the
// new holder's lease stays. The cluster then publishes the file whole.
func TestClusterFillLeaseLost(t *testing.T) {
	srv := miniotest.Shared(t)
	const ttl = 3 * time.Second
	ctx := context.Background()
	tests := []struct {
		name string
		// lose makes a lose the lease name; it returns the new holder's
		// lease, if there is one.
		lose func(t *testing.T, a, b *cache.S3, clock *fakeClock, name string) *cache.S3Lease
	}{
		{"taken over", func(t *testing.T, a, b *cache.S3, clock *fakeClock, name string) *cache.S3Lease {
			var l *cache.S3Lease
			wait.For(t, "replica b to take the lease over", func() bool {
				clock.advance(ttl + time.Second) // as if a's renewals had stalled past the expiry
				var err error
				l, err = b.TryLease(ctx, name, ttl)
				if err != nil && !errors.Is(err, cache.ErrLocked) {
					t.Fatal(err)
				}
				return err == nil
			})
			return l
		}},
		{"removed", func(t *testing.T, a, b *cache.S3, clock *fakeClock, name string) *cache.S3Lease {
			obj := a.Prefix() + ".locks/" + name
			if err := rawClient(t, srv).RemoveObject(ctx, a.Bucket(), obj, minio.RemoveObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stores, clock := leaseStores(t, 2)
			a, b := stores[0], stores[1]
			data := pattern(7 << 20)
			key := "web/packages/aa/bb/lost-1.0.tar.gz"
			up := &stallingFetch{data: data, head: 6 << 20} // one part uploaded, the next one buffered
			fa := cache.NewFiller(a, cache.FillerOptions{SpoolDir: t.TempDir(), LeaseTTL: ttl})
			defer fa.Close()
			d, _, err := fa.Stream(ctx, key, expectOf(data), up.fetch)
			if err != nil || d == nil {
				t.Fatalf("Stream: %v %v", d, err)
			}
			r := d.Reader()
			defer r.Close()
			head := make([]byte, 1<<20)
			if _, err := io.ReadFull(r, head); err != nil {
				t.Fatalf("first MiB: %v", err)
			}

			newHolder := tt.lose(t, a, b, clock, cache.FillLeaseName(key))
			wait.For(t, "replica a to stop its download", func() bool {
				select {
				case <-d.Done():
					return true
				default:
					return false
				}
			})
			if !errors.Is(d.Err(), cache.ErrLeaseLost) {
				t.Fatalf("download ended with %v, want ErrLeaseLost", d.Err())
			}
			rest, err := io.ReadAll(r)
			if !errors.Is(err, cache.ErrLeaseLost) || len(head)+len(rest) >= len(data) {
				t.Errorf("client read %d of %d bytes, then %v; want a cut with ErrLeaseLost", len(head)+len(rest), len(data), err)
			}
			if _, err := a.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("after the loss the key holds something: %v", err)
			}
			for u := range rawClient(t, srv).ListIncompleteUploads(ctx, a.Bucket(), a.Prefix()+key, true) {
				t.Errorf("upload left behind: %+v", u)
			}
			if newHolder != nil {
				if err := newHolder.Renew(ctx); err != nil {
					t.Errorf("the new holder's lease after a gave up: %v", err)
				}
				newHolder.Release(ctx)
			}

			whole := newGatedFetch(data)
			close(whole.release)
			fb := cache.NewFiller(b, cache.FillerOptions{SpoolDir: t.TempDir(), LeaseTTL: ttl})
			defer fb.Close()
			if n, err := fb.Publish(ctx, key, expectOf(data), whole.fetch); err != nil || n != int64(len(data)) {
				t.Fatalf("replica b's Publish: %d, %v", n, err)
			}
			if got := storetest.Get(t, a, key); !bytes.Equal(got, data) {
				t.Errorf("published %d bytes, want the file", len(got))
			}
			if n := up.calls.Load() + whole.calls.Load(); n != 2 {
				t.Errorf("upstream fetched %d times, want 2 (the worst case of a lost lease)", n)
			}
		})
	}
}
