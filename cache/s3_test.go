package cache_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
)

var s3Prefixes atomic.Int64

// s3Config is a store on a fresh prefix of bucket (created on open), with
// the smallest part size so that a few MiB already go multipart.
func s3Config(srv *miniotest.Server, bucket string) cache.S3Config {
	return cache.S3Config{
		Bucket: bucket, Prefix: fmt.Sprintf("tree-%d", s3Prefixes.Add(1)), Endpoint: srv.Endpoint,
		AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey,
		CreateBucket: true, PartSize: cache.MinS3PartSize, Logger: slog.New(slog.DiscardHandler),
	}
}

func openS3(t testing.TB, cfg cache.S3Config) *cache.S3 {
	t.Helper()
	s, err := cache.OpenS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawClient is a client of the server's root user, for what the store
// does not show (hidden objects, lease objects).
func rawClient(t *testing.T, srv *miniotest.Server) *minio.Client {
	t.Helper()
	c, err := minio.New(strings.TrimPrefix(srv.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(miniotest.AccessKey, miniotest.SecretKey, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawObjects lists every object in the bucket, hidden ones included, with
// a client of its own.
func rawObjects(t *testing.T, srv *miniotest.Server, bucket string) []string {
	t.Helper()
	c := rawClient(t, srv)
	var names []string
	for oi := range c.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		names = append(names, oi.Key)
	}
	return names
}

func TestS3Compliance(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.Bucket()
	storetest.Run(t, func(t *testing.T) cache.Store { return openS3(t, s3Config(srv, bucket)) })
}

// pattern is n bytes of a repeating, position-dependent pattern.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i>>12)
	}
	return b
}

// TestS3NoPartialObject: a multipart upload in progress is no object at
// all (not under its key, not hidden anywhere), a cancelled one leaves no
// upload behind, and a committed one reads back whole.
func TestS3NoPartialObject(t *testing.T) {
	srv := miniotest.Shared(t)
	cfg := s3Config(srv, srv.Bucket())
	s := openS3(t, cfg)
	ctx := context.Background()
	const key = "web/packages/aa/bb/cc/big.whl"
	data := pattern(2*cache.MinS3PartSize + 12345)
	for _, commit := range []bool{false, true} {
		w, err := s.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil { // two parts are on their way
			t.Fatal(err)
		}
		storetest.AssertMissing(t, s, key)
		if names := rawObjects(t, srv, cfg.Bucket); len(names) != 0 {
			t.Errorf("objects during the upload: %q", names)
		}
		if !commit {
			if err := w.Cancel(ctx); err != nil {
				t.Fatal(err)
			}
			storetest.AssertMissing(t, s, key)
			if n, err := s.CleanUploads(ctx, 0); err != nil || n != 0 {
				t.Errorf("after Cancel CleanUploads found %d uploads (%v), want 0", n, err)
			}
			continue
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := storetest.Get(t, s, key); sha256.Sum256(got) != sha256.Sum256(data) {
			t.Errorf("read back %d bytes, not the %d written", len(got), len(data))
		}
	}
}

// TestS3CleanUploads: the upload of a writer that was never finished (a
// crash) is aborted by CleanUploads once old enough, and only then.
func TestS3CleanUploads(t *testing.T) {
	srv := miniotest.Shared(t)
	cfg := s3Config(srv, srv.Bucket())
	s := openS3(t, cfg)
	other := openS3(t, s3Config(srv, cfg.Bucket)) // another prefix: not ours to clean
	ctx := context.Background()
	var abandoned []cache.Writer
	for _, st := range []*cache.S3{s, other} {
		w, err := st.Create(ctx, "a/big")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(pattern(cache.MinS3PartSize + 1)); err != nil {
			t.Fatal(err)
		}
		abandoned = append(abandoned, w)
	}
	if n, err := s.CleanUploads(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("CleanUploads(1h) = %d, %v; want 0 (the upload is fresh)", n, err)
	}
	if n, err := s.CleanUploads(ctx, 0); err != nil || n != 1 {
		t.Errorf("CleanUploads(0) = %d, %v; want 1", n, err)
	}
	if err := abandoned[0].Commit(ctx); err == nil {
		t.Errorf("Commit of a cleaned upload succeeded")
	}
	storetest.AssertMissing(t, s, "a/big")
	if err := abandoned[1].Commit(ctx); err != nil {
		t.Errorf("the other prefix's upload: %v", err)
	}
}

// TestS3ReadAfterReplace: an open object that resumes after its key was
// replaced fails instead of mixing two versions.
func TestS3ReadAfterReplace(t *testing.T) {
	srv := miniotest.Shared(t)
	s := openS3(t, s3Config(srv, srv.Bucket()))
	storetest.Put(t, s, "k", []byte("old content"))
	o, err := s.Open(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	storetest.Put(t, s, "k", []byte("new content"))
	if _, err := o.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(o); !errors.Is(err, cache.ErrObjectChanged) {
		t.Errorf("read after replace = %q, %v; want ErrObjectChanged", b, err)
	}
}

func TestS3PresignGet(t *testing.T) {
	srv := miniotest.Shared(t)
	s := openS3(t, s3Config(srv, srv.Bucket()))
	storetest.Put(t, s, "web/packages/x.whl", []byte("wheel bytes"))
	var p cache.Presigner = s
	u, err := p.PresignGet(context.Background(), "web/packages/x.whl", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, []byte("wheel bytes")) {
		t.Errorf("presigned GET = %d %q", resp.StatusCode, body)
	}
}
