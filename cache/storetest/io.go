package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

func testSeek(t *testing.T, s cache.Store) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	Put(t, s, "f", data)
	o, err := s.Open(context.Background(), "f")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	read := func(n int) []byte {
		t.Helper()
		b := make([]byte, n)
		if _, err := io.ReadFull(o, b); err != nil {
			t.Fatalf("ReadFull(%d): %v", n, err)
		}
		return b
	}
	seek := func(off int64, whence int, want int64) {
		t.Helper()
		pos, err := o.Seek(off, whence)
		if err != nil || pos != want {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", off, whence, pos, err, want)
		}
	}
	seek(100, io.SeekStart, 100)
	if got := read(10); !bytes.Equal(got, data[100:110]) {
		t.Errorf("range 100-109 = %v", got)
	}
	seek(5, io.SeekCurrent, 115)
	if got := read(5); !bytes.Equal(got, data[115:120]) {
		t.Errorf("range 115-119 = %v", got)
	}
	seek(-10, io.SeekEnd, 990) // suffix range, as poetry sends
	if got := read(10); !bytes.Equal(got, data[990:]) {
		t.Errorf("last 10 bytes = %v", got)
	}
	if n, err := o.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read at end = %d, %v; want 0, EOF", n, err)
	}
	seek(0, io.SeekEnd, 1000) // http.ServeContent finds the size this way
	seek(0, io.SeekStart, 0)
	if got, _ := io.ReadAll(o); !bytes.Equal(got, data) {
		t.Errorf("full re-read differs")
	}
}

// testConcurrentWriters races writers on one key while readers read it:
// every read and the final content must be exactly one writer's bytes.
func testConcurrentWriters(t *testing.T, s cache.Store) {
	const writers, size, chunk = 8, 256 << 10, 4 << 10
	ctx := context.Background()
	const key = "web/packages/aa/bb/cc/race.whl"
	contents := make(map[string]int, writers)
	payload := func(i int) []byte {
		return bytes.Repeat([]byte(fmt.Sprintf("writer-%02d;", i)), size/10)
	}
	for i := range writers {
		contents[string(payload(i))] = i
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := s.Create(ctx, key)
			if err != nil {
				errs <- err
				return
			}
			defer w.Cancel(ctx)
			p := payload(i)
			for off := 0; off < len(p); off += chunk {
				if _, err := w.Write(p[off:min(off+chunk, len(p))]); err != nil {
					errs <- err
					return
				}
			}
			if err := w.Commit(ctx); err != nil {
				errs <- err
			}
		}()
		wg.Add(1)
		go func() { // a reader
			defer wg.Done()
			o, err := s.Open(ctx, key)
			if errors.Is(err, fs.ErrNotExist) {
				return
			} else if err != nil {
				errs <- err
				return
			}
			defer o.Close()
			b, err := io.ReadAll(o)
			if err != nil {
				errs <- err
			} else if _, ok := contents[string(b)]; !ok {
				errs <- fmt.Errorf("reader saw a torn object of %d bytes", len(b))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, ok := contents[string(Get(t, s, key))]; !ok {
		t.Errorf("final content is not exactly one writer's bytes")
	}
	if keys := Keys(t, s, ""); len(keys) != 1 {
		t.Errorf("Walk after races = %v, want only %q", sortedKeys(keys), key)
	}
}

// testLarge streams 32 MiB in 64 KiB chunks and reads it back by hash.
func testLarge(t *testing.T, s cache.Store) {
	if testing.Short() {
		t.Skip("short")
	}
	const total, chunk = 32 << 20, 64 << 10
	ctx := context.Background()
	const key = "web/packages/00/11/big/big.whl"
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Cancel(ctx)
	h := sha256.New()
	buf := make([]byte, chunk)
	for i := 0; i < total/chunk; i++ {
		for j := range buf {
			buf[j] = byte(i + j*31)
		}
		h.Write(buf)
		if _, err := w.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	want := h.Sum(nil)
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Info().Size != total {
		t.Errorf("size = %d, want %d", o.Info().Size, total)
	}
	h.Reset()
	if n, err := io.Copy(h, o); err != nil || n != total {
		t.Fatalf("read back %d bytes: %v", n, err)
	}
	if !bytes.Equal(h.Sum(nil), want) {
		t.Errorf("content hash differs")
	}
}

func testCancelledContext(t *testing.T, s cache.Store) {
	bg := context.Background()
	ctx, cancel := context.WithCancel(bg)
	Put(t, s, "k", []byte("old"))
	w, err := s.Create(bg, "k")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("new"))
	w2, err := s.Create(bg, "other")
	if err != nil {
		t.Fatal(err)
	}
	w2.Write([]byte("data"))
	cancel()

	is := func(method string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with cancelled ctx = %v, want context.Canceled", method, err)
		}
	}
	_, err = s.Open(ctx, "k")
	is("Open", err)
	_, err = s.Stat(ctx, "k")
	is("Stat", err)
	_, err = s.Create(ctx, "new")
	is("Create", err)
	is("Delete", s.Delete(ctx, "k"))
	is("Walk", s.Walk(ctx, "", func(cache.Info) error { return nil }))
	is("Commit", w.Commit(ctx))
	w.Cancel(ctx)
	w2.Cancel(ctx) // must discard even with a done ctx
	if got := Get(t, s, "k"); string(got) != "old" {
		t.Errorf("after cancelled Commit content = %q, want old", got)
	}
	AssertMissing(t, s, "other")
	AssertMissing(t, s, "new")
	if keys := sortedKeys(Keys(t, s, "")); len(keys) != 1 {
		t.Errorf("Walk = %q, want only k", keys)
	}
}
