package cache_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

func sha(data string) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:])
}

// pipeFetch is an upstream body the test writes by hand; like an HTTP
// body, it fails once the download's context ends. started is closed when
// the download asks for it.
func pipeFetch(size int64) (cache.Fetch, *io.PipeWriter, chan struct{}) {
	pr, pw := io.Pipe()
	started := make(chan struct{})
	fetch := func(ctx context.Context) (io.ReadCloser, int64, error) {
		context.AfterFunc(ctx, func() { pr.CloseWithError(context.Cause(ctx)) })
		close(started)
		return pr, size, nil
	}
	return fetch, pw, started
}

func newFiller(t *testing.T, opts cache.FillerOptions) (*cache.FS, *cache.Filler) {
	t.Helper()
	s, err := cache.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := cache.NewFiller(s, opts)
	t.Cleanup(f.Close)
	return s, f
}

func TestFillPublishesOnlyVerified(t *testing.T) {
	s, f := newFiller(t, cache.FillerOptions{})
	ctx := context.Background()
	body := "wheel bytes"
	fetch := func(context.Context) (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(body)), int64(len(body)), nil
	}
	n, err := f.Publish(ctx, "web/packages/ok.whl", cache.Expect{SHA256: sha(body), Size: int64(len(body))}, fetch)
	if err != nil || n != int64(len(body)) {
		t.Fatalf("Publish = %d, %v", n, err)
	}
	if got := storetest.Get(t, s, "web/packages/ok.whl"); string(got) != body {
		t.Errorf("published %q", got)
	}
	_, err = f.Publish(ctx, "web/packages/bad.whl", cache.Expect{SHA256: sha("other"), Size: -1}, fetch)
	if !errors.Is(err, cache.ErrHashMismatch) {
		t.Errorf("a wrong hash: %v, want ErrHashMismatch", err)
	}
	storetest.AssertMissing(t, s, "web/packages/bad.whl")
	if left := tempFiles(t, s.Root()); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

// TestFillAbandoned: a mirror that gives up on a download nobody else
// waits for stops it at once: nothing published, no temp file. In a
// synctest bubble, Wait returns once Publish has returned or is blocked for
// good on a body that will never come.
func TestFillAbandoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f := newFiller(t, cache.FillerOptions{})
		fetch, pw, started := pipeFetch(100)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := f.Publish(ctx, "web/packages/a.whl", cache.Expect{SHA256: sha("x"), Size: 100}, fetch)
			done <- err
		}()
		<-started
		pw.Write([]byte("half"))
		cancel()
		synctest.Wait()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Publish after its context ended: %v", err)
			}
		default:
			t.Fatal("Publish kept running after its context ended")
		}
		storetest.AssertMissing(t, s, "web/packages/a.whl")
		if left := tempFiles(t, s.Root()); len(left) > 0 {
			t.Errorf("temp files left: %v", left)
		}
	})
}

// TestFillKeptForJoiner: when a client has joined the download, the
// mirror giving up does not abort it: the client gets the file.
func TestFillKeptForJoiner(t *testing.T) {
	s, f := newFiller(t, cache.FillerOptions{SpoolDir: t.TempDir()})
	body := strings.Repeat("z", 100)
	fetch, pw, started := pipeFetch(100)
	want := cache.Expect{SHA256: sha(body), Size: 100}
	ctx, cancel := context.WithCancel(context.Background())
	filled := make(chan error, 1)
	go func() {
		_, err := f.Publish(ctx, "web/packages/j.whl", want, fetch)
		filled <- err
	}()
	<-started
	d, joined, err := f.Stream(context.Background(), "web/packages/j.whl", want, fetch)
	if err != nil || !joined {
		t.Fatalf("Get = joined %v, %v", joined, err)
	}
	cancel()
	pw.Write([]byte(body))
	pw.Close()
	<-d.Done()
	d.Release()
	if err := d.Err(); err != nil {
		t.Fatalf("joined download: %v", err)
	}
	if got := storetest.Get(t, s, "web/packages/j.whl"); string(got) != body {
		t.Errorf("published %q", got)
	}
	<-filled
}

func TestFillStalled(t *testing.T) {
	s, f := newFiller(t, cache.FillerOptions{IdleTimeout: 50 * time.Millisecond})
	fetch, _, _ := pipeFetch(10)
	_, err := f.Publish(context.Background(), "web/packages/s.whl", cache.Expect{SHA256: sha("x"), Size: 10}, fetch)
	if !errors.Is(err, cache.ErrStalled) {
		t.Errorf("silent upstream: %v, want ErrStalled", err)
	}
	storetest.AssertMissing(t, s, "web/packages/s.whl")
}
