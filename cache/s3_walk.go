package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/minio/minio-go/v7"
)

// Walk lists the objects under prefix (recursively, in pages of up to
// 1000). It skips keys with a segment starting with "." (leases under
// ".locks/") and names that are not valid keys. Uploads in progress are
// not objects yet, so they are never listed.
func (s *S3) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	if err := validPrefix(prefix); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: walk: %w", err)
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing when fn stops the walk
	opts := minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}
	for oi := range s.client.ListObjects(lctx, s.bucket, opts) {
		if oi.Err != nil {
			return fmt.Errorf("cache: walk %q: %w", prefix, oi.Err)
		}
		key, ok := s.trimPrefix(oi.Key)
		if !ok || hiddenKey(key) || ValidKey(key) != nil {
			continue
		}
		if err := fn(Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}); err != nil {
			return fmt.Errorf("cache: walk %q: %w", prefix, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: walk %q: %w", prefix, err)
	}
	return nil
}

// CleanUploads aborts the incomplete multipart uploads under the prefix
// that started more than olderThan ago: writers of a crashed process that
// were never committed or cancelled. OpenS3 runs it; a small olderThan is
// only safe when no Writer is active.
//
// It lists the whole bucket's uploads and filters by prefix: MinIO takes a
// listing prefix for an exact object name. (MinIO lists only the uploads
// its running process started, and expires older ones itself after 24h;
// on AWS a lifecycle rule can do the same.)
func (s *S3) CleanUploads(ctx context.Context, olderThan time.Duration) (removed int, err error) {
	cutoff := time.Now().Add(-olderThan)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for u := range s.client.ListIncompleteUploads(lctx, s.bucket, "", true) {
		if u.Err != nil {
			return removed, s.culprit(fmt.Errorf("listing uploads: %w", u.Err))
		}
		if _, ok := s.trimPrefix(u.Key); !ok || !u.Initiated.Before(cutoff) {
			continue
		}
		err := s.core.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID)
		if err != nil && errCode(err) != minio.NoSuchUpload {
			return removed, fmt.Errorf("cache: s3: aborting the upload of %s: %w", u.Key, err)
		}
		removed++
	}
	return removed, nil
}
