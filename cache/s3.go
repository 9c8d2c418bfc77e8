package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// S3 is a Store in an S3 bucket (AWS S3, MinIO or another S3-compatible
// service): the object under key "web/simple/numpy/index.html" is the S3
// object PREFIX/web/simple/numpy/index.html, so the bucket is a mirror tree
// too. Open with OpenS3.
//
// Writers buffer up to PartSize bytes. A small object is published at
// Commit with one PUT; a larger one streams as a multipart upload that only
// Commit completes, so nothing partial is ever visible under a key. Open
// objects stream with Range requests and are not snapshots: a read after
// the key is replaced fails rather than mixing two versions.
//
// Besides Store, S3 implements Copier (server-side copy) and Presigner, and
// offers leases (TryLease, AwaitLease; TryLock as a cache.Locker) and CleanUploads. Lease objects live under
// the key prefix ".locks/", which stores no other objects.
type S3 struct {
	client *minio.Client
	core   minio.Core
	cfg    S3Config
	bucket string
	prefix string // "" or ending in "/"
	log    *slog.Logger
	// local keeps copies of package files read (S3Config.LocalCopies).
	local Store
	// now is the lease clock (tests move it).
	now func() time.Time
}

var (
	_ Store     = (*S3)(nil)
	_ Copier    = (*S3)(nil)
	_ Presigner = (*S3)(nil)
)

// s3Op is the first step of every keyed method: validate the key and ctx,
// and return the S3 object name.
func (s *S3) s3Op(ctx context.Context, op, key string) (string, error) {
	if err := check(ctx, op, key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// s3Err maps an S3 error for key: a missing object becomes fs.ErrNotExist.
func s3Err(op, key string, err error) error {
	if isNoSuchKey(err) {
		return notExist(op, key)
	}
	return &opError{op: op, key: key, err: err}
}

// isNoSuchKey reports a missing object (not a missing bucket, which is a
// configuration problem and must not look like a cache miss).
func isNoSuchKey(err error) bool {
	return errCode(err) == minio.NoSuchKey
}

// errCode is the S3 error code of err, "" for other errors.
func errCode(err error) string {
	var r minio.ErrorResponse
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

// Stat returns the object's Info with one HEAD request.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	obj, err := s.s3Op(ctx, "stat", key)
	if err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, obj, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s3Err("stat", key, err)
	}
	return Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}, nil
}

// Delete removes the object; S3 reports no error for a missing one.
func (s *S3) Delete(ctx context.Context, key string) error {
	obj, err := s.s3Op(ctx, "delete", key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, obj, minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
		return s3Err("delete", key, err)
	}
	if s.local != nil && copied(key) {
		return s.local.Delete(ctx, key)
	}
	return nil
}

// maxCopySize is the largest source a single CopyObject request accepts.
const maxCopySize = 5 << 30

// Copy copies src to dst on the server: one CopyObject up to 5 GiB, a
// multipart copy beyond. The copy is pinned to the source's ETag, so a
// source replaced meanwhile fails the copy instead of mixing versions.
func (s *S3) Copy(ctx context.Context, src, dst string) error {
	srcObj, err := s.s3Op(ctx, "copy", src)
	if err != nil {
		return err
	}
	dstObj, err := s.s3Op(ctx, "copy", dst)
	if err != nil {
		return err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, srcObj, minio.StatObjectOptions{})
	if err != nil {
		return s3Err("copy", src, err)
	}
	from := minio.CopySrcOptions{Bucket: s.bucket, Object: srcObj, MatchETag: oi.ETag}
	to := minio.CopyDestOptions{Bucket: s.bucket, Object: dstObj}
	if oi.Size <= maxCopySize {
		_, err = s.client.CopyObject(ctx, to, from)
	} else {
		_, err = s.client.ComposeObject(ctx, to, from)
	}
	if err != nil {
		return fmt.Errorf("cache: copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// Bucket returns the bucket name.
func (s *S3) Bucket() string { return s.bucket }

// Prefix returns the key prefix inside the bucket ("" or ending in "/").
func (s *S3) Prefix() string { return s.prefix }

// trimPrefix turns an S3 object name back into a key; ok is false for
// names outside the prefix.
func (s *S3) trimPrefix(name string) (key string, ok bool) {
	if !strings.HasPrefix(name, s.prefix) {
		return "", false
	}
	return name[len(s.prefix):], true
}

// Presigner is implemented by backends that can hand out a URL from which
// a client downloads an object directly, without the proxy in the path.
type Presigner interface {
	// PresignGet returns a URL that answers GET for key until ttl passes.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (*url.URL, error)
}

// PresignGet signs a GET URL for key, valid for ttl (S3 allows at most 7
// days). It does not check that the object exists.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (*url.URL, error) {
	name, err := s.s3Op(ctx, "presign", key)
	if err != nil {
		return nil, err
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, name, ttl, nil)
	if err != nil {
		return nil, &opError{op: "presign", key: key, err: err}
	}
	return u, nil
}
