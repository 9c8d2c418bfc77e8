package cache_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"testing"

	"golang.org/x/crypto/blake2b"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
)

// TestS3LocalCopiesCompliance: a store with local copies is still a Store.
func TestS3LocalCopiesCompliance(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.Bucket()
	storetest.Run(t, func(t *testing.T) cache.Store {
		cfg := s3Config(srv, bucket)
		cfg.LocalCopies = cache.NewMem()
		return openS3(t, cfg)
	})
}

// pypiKey is the files-host key of content: its path names the content's
// blake2b-256.
func pypiKey(content []byte) string {
	d := blake2b.Sum256(content)
	x := hex.EncodeToString(d[:])
	return cache.PackagesPrefix + x[:2] + "/" + x[2:4] + "/" + x[4:] + "/demo-1.0.tar.gz"
}

func readAll(t *testing.T, s cache.Store, key string) ([]byte, cache.Object) {
	t.Helper()
	o, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return b, o
}

func localHas(t *testing.T, local cache.Store, key string) bool {
	t.Helper()
	_, err := local.Stat(context.Background(), key)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// TestS3LocalCopies: a package file read whole from the bucket is copied
// locally and then served from the copy (a local file: sendfile); a Range
// read copies nothing; pages are never copied; a file deleted through
// another replica is not served from the copy, which goes too.
func TestS3LocalCopies(t *testing.T) {
	srv := miniotest.Shared(t)
	cfg := s3Config(srv, srv.Bucket())
	other := openS3(t, cfg) // another replica, no copies
	local, err := cache.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.LocalCopies = local
	s := openS3(t, cfg)
	ctx := context.Background()
	content := pattern(3 << 20)
	key := pypiKey(content)
	page := "web/simple/demo/index.html"
	storetest.Put(t, other, key, content)
	storetest.Put(t, other, page, []byte("<html>"))

	// A Range read (Seek, then read a part) makes no copy.
	o, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Seek(1<<20, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 1000)
	if _, err := io.ReadFull(o, part); err != nil || !bytes.Equal(part, content[1<<20:1<<20+1000]) {
		t.Fatalf("range read: %v", err)
	}
	o.Close()
	if localHas(t, local, key) {
		t.Fatal("a range read left a local copy")
	}

	if b, _ := readAll(t, s, key); !bytes.Equal(b, content) {
		t.Fatal("first read: wrong bytes")
	}
	if !localHas(t, local, key) {
		t.Fatal("no local copy after a whole read")
	}
	b, o2 := readAll(t, s, key)
	if _, isFile := o2.(cache.Filer); !isFile || !bytes.Equal(b, content) {
		t.Fatalf("second read: from a local file %v, bytes equal %v", isFile, bytes.Equal(b, content))
	}
	readAll(t, s, page)
	if localHas(t, local, page) {
		t.Fatal("a page was copied")
	}

	if err := other.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open after another replica deleted it: %v, want fs.ErrNotExist", err)
	}
	if localHas(t, local, key) {
		t.Fatal("the copy of a deleted object is still there")
	}
}

// TestS3LocalCopyRejectsWrongContent: bytes that do not match the digest
// their key names are never kept as a copy.
func TestS3LocalCopyRejectsWrongContent(t *testing.T) {
	srv := miniotest.Shared(t)
	cfg := s3Config(srv, srv.Bucket())
	other := openS3(t, cfg)
	local := cache.NewMem()
	cfg.LocalCopies = local
	s := openS3(t, cfg)
	key := pypiKey([]byte("the real content"))
	storetest.Put(t, other, key, []byte("something else"))
	readAll(t, s, key)
	if localHas(t, local, key) {
		t.Fatal("bytes that fail the key's blake2b-256 were copied")
	}
}

// TestS3LocalCopyOutlivesOutage: with the bucket's server down, a file
// with a local copy is still served.
func TestS3LocalCopyOutlivesOutage(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := s3Config(srv, srv.Bucket())
	cfg.MaxRetries = 1
	cfg.LocalCopies = cache.NewMem()
	s := openS3(t, cfg)
	content := pattern(100 << 10)
	key := pypiKey(content)
	storetest.Put(t, s, key, content)
	readAll(t, s, key) // makes the copy
	srv.Stop()
	if b, _ := readAll(t, s, key); !bytes.Equal(b, content) {
		t.Fatal("wrong bytes from the copy")
	}
	if _, err := s.Open(context.Background(), "web/simple/demo/index.html"); err == nil {
		t.Fatal("a page opened with the bucket down")
	}
}
