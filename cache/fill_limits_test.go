package cache_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

// TestFillStopsAtDeclaredSize: an upstream that sends more than the page's
// size (a chunked body, no Content-Length) fails the download at the first
// excess byte; a client following it never gets the declared size in full.
func TestFillStopsAtDeclaredSize(t *testing.T) {
	s, f := newFiller(t, cache.FillerOptions{SpoolDir: t.TempDir()})
	body := strings.Repeat("a", 10)
	fetch, pw, started := pipeFetch(-1)
	d, _, err := f.Stream(context.Background(), "web/packages/big.whl", cache.Expect{SHA256: sha(body), Size: 10}, fetch)
	if err != nil {
		t.Fatal(err)
	}
	r := d.Reader()
	defer r.Close()
	got := make(chan error, 1)
	go func() {
		_, err := io.ReadFull(r, make([]byte, 10))
		got <- err
	}()
	<-started
	go pw.Write([]byte(body + "excess")) // never completes: the download stops reading
	<-d.Done()
	if err := d.Err(); !errors.Is(err, cache.ErrTooLarge) {
		t.Fatalf("download of an oversized body: %v, want ErrTooLarge", err)
	}
	if err := <-got; err == nil {
		t.Fatal("a client read the whole declared size of an oversized, unverified body")
	}
	if d.Written() > 10 {
		t.Errorf("%d bytes spooled past the declared 10", d.Written())
	}
	storetest.AssertMissing(t, s, "web/packages/big.whl")
}

// TestFillCapsUnknownSize: with no size anywhere, MaxUnknownSize bounds
// what reaches the disk.
func TestFillCapsUnknownSize(t *testing.T) {
	_, f := newFiller(t, cache.FillerOptions{MaxUnknownSize: 100})
	fetch := func(context.Context) (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(strings.Repeat("b", 1000))), -1, nil
	}
	_, err := f.Publish(context.Background(), "web/packages/u.whl", cache.Expect{SHA256: sha("x"), Size: -1}, fetch)
	if !errors.Is(err, cache.ErrTooLarge) {
		t.Fatalf("a body past MaxUnknownSize: %v, want ErrTooLarge", err)
	}
}

// TestFillUpperCaseHash: a page may give the sha256 in upper case; hex
// digests compare case-insensitively.
func TestFillUpperCaseHash(t *testing.T) {
	s, f := newFiller(t, cache.FillerOptions{})
	body := "upper"
	fetch := func(context.Context) (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(body)), int64(len(body)), nil
	}
	want := cache.Expect{SHA256: strings.ToUpper(sha(body)), Size: int64(len(body))}
	if _, err := f.Publish(context.Background(), "web/packages/up.whl", want, fetch); err != nil {
		t.Fatalf("upper-case sha256: %v", err)
	}
	if got := storetest.Get(t, s, "web/packages/up.whl"); string(got) != body {
		t.Errorf("published %q", got)
	}
}

// TestFillBodyCutIsTruncated: an upstream body that breaks off (a reset
// connection, an early EOF) fails the download as ErrTruncated, an
// upstream failure, not as an unclassified error the proxy would answer
// 500 (bench/soak.sh saw 500s under the reset and truncate faults).
func TestFillBodyCutIsTruncated(t *testing.T) {
	for _, cut := range []error{io.ErrUnexpectedEOF, syscall.ECONNRESET} {
		s, f := newFiller(t, cache.FillerOptions{})
		body := strings.Repeat("a", 10)
		fetch := func(context.Context) (io.ReadCloser, int64, error) {
			return io.NopCloser(io.MultiReader(strings.NewReader(body[:4]), iotest.ErrReader(cut))), 10, nil
		}
		_, err := f.Publish(context.Background(), "web/packages/cut.whl", cache.Expect{SHA256: sha(body), Size: 10}, fetch)
		if !errors.Is(err, cache.ErrTruncated) || !errors.Is(err, cut) {
			t.Errorf("body cut by %v: %v, want ErrTruncated wrapping it", cut, err)
		}
		storetest.AssertMissing(t, s, "web/packages/cut.whl")
	}
}
