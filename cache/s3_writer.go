package cache

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"path"
	"time"

	"github.com/minio/minio-go/v7"
)

// Create starts a new object. Nothing is sent until PartSize bytes are
// written: an object that stays smaller is published by Commit with one
// PUT. A larger one becomes a multipart upload whose parts go up in the
// background (one at a time, while the next fills), and Commit completes
// it; until then S3 shows nothing under the key.
func (s *S3) Create(ctx context.Context, key string) (Writer, error) {
	name, err := s.s3Op(ctx, "create", key)
	if err != nil {
		return nil, err
	}
	w := &s3Writer{s: s, key: key, name: name}
	// Parts outlive Create's ctx (Writes observe no context); Cancel and
	// a failed Commit stop them.
	w.ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return w, nil
}

// s3Writer is not safe for concurrent use; Commit and Cancel are idempotent.
type s3Writer struct {
	s         *S3
	key, name string
	ctx       context.Context // for part uploads
	cancel    context.CancelFunc
	buf       []byte // the part being filled
	uploadID  string // "" until the first part is sent
	parts     []minio.CompletePart
	inflight  chan partDone // the part being sent, if any
	finished  bool
	err       error // why the writer finished, if not by Commit
}

// partDone is the outcome of one part's upload; buf comes back for reuse.
type partDone struct {
	part minio.CompletePart
	buf  []byte
	err  error
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.finished {
		return 0, w.finishedErr()
	}
	written := 0
	size := int(w.s.cfg.PartSize)
	for len(p) > 0 {
		n := min(size-len(w.buf), len(p))
		w.buf = append(w.buf, p[:n]...)
		p, written = p[n:], written+n
		if len(w.buf) < size {
			continue
		}
		if err := w.ship(); err != nil {
			w.abort(fmt.Errorf("cache: write %s: %w", w.key, err))
			return written, w.err
		}
	}
	return written, nil
}

func (w *s3Writer) finishedErr() error {
	if w.err != nil {
		return w.err
	}
	return ErrWriterClosed
}

// ship sends the filled buffer as the next part, after the previous part
// is through; the previous part's buffer becomes the one to fill.
func (w *s3Writer) ship() error {
	if w.uploadID == "" {
		id, err := w.s.core.NewMultipartUpload(w.ctx, w.s.bucket, w.name, putOptions(w.key))
		if err != nil {
			return err
		}
		w.uploadID = id
	}
	spare, err := w.wait()
	if err != nil {
		return err
	}
	data, num, ch := w.buf, len(w.parts)+1, make(chan partDone, 1)
	w.inflight = ch
	go func() {
		p, err := w.s.core.PutObjectPart(w.ctx, w.s.bucket, w.name, w.uploadID, num,
			bytes.NewReader(data), int64(len(data)), minio.PutObjectPartOptions{})
		ch <- partDone{part: completePart(p), buf: data, err: err}
	}()
	if spare == nil { // the first part: the next fills a buffer of its own
		spare = make([]byte, 0, w.s.cfg.PartSize)
	}
	w.buf = spare[:0]
	return nil
}

// completePart is what CompleteMultipartUpload needs of an uploaded part.
func completePart(p minio.ObjectPart) minio.CompletePart {
	return minio.CompletePart{
		PartNumber: p.PartNumber, ETag: p.ETag,
		ChecksumCRC32: p.ChecksumCRC32, ChecksumCRC32C: p.ChecksumCRC32C, ChecksumSHA1: p.ChecksumSHA1,
		ChecksumSHA256: p.ChecksumSHA256, ChecksumCRC64NVME: p.ChecksumCRC64NVME,
	}
}

// putOptions gives an object the content type its name suggests, for a
// bucket served as a static mirror.
func putOptions(key string) minio.PutObjectOptions {
	return minio.PutObjectOptions{ContentType: mime.TypeByExtension(path.Ext(key))}
}

// wait waits for the part in flight, if any, and returns its buffer.
func (w *s3Writer) wait() ([]byte, error) {
	if w.inflight == nil {
		return nil, nil
	}
	d := <-w.inflight
	w.inflight = nil
	if d.err != nil {
		return nil, d.err
	}
	w.parts = append(w.parts, d.part)
	return d.buf, nil
}

// Commit publishes the object: one PUT for a small one, else the last part
// and CompleteMultipartUpload. On any error nothing is published and the
// upload is aborted. A ctx ending during Commit stops it.
func (w *s3Writer) Commit(ctx context.Context) error {
	if w.finished {
		return w.err // nil after a successful Commit
	}
	if err := ctx.Err(); err != nil {
		w.abort(fmt.Errorf("cache: commit %s: %w", w.key, err))
		return w.err
	}
	stop := context.AfterFunc(ctx, w.cancel)
	defer stop()
	if err := w.publish(ctx); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		w.abort(fmt.Errorf("cache: commit %s: %w", w.key, err))
		return w.err
	}
	w.finish()
	return nil
}

func (w *s3Writer) publish(ctx context.Context) error {
	if w.uploadID == "" {
		_, err := w.s.core.PutObject(ctx, w.s.bucket, w.name, bytes.NewReader(w.buf), int64(len(w.buf)),
			"", "", putOptions(w.key))
		return err
	}
	if len(w.buf) > 0 {
		if err := w.ship(); err != nil {
			return err
		}
	}
	if _, err := w.wait(); err != nil {
		return err
	}
	_, err := w.s.core.CompleteMultipartUpload(ctx, w.s.bucket, w.name, w.uploadID, w.parts, minio.PutObjectOptions{})
	return err
}

// Cancel discards the data and aborts the upload, even with a done ctx;
// it is a no-op after Commit or Cancel.
func (w *s3Writer) Cancel(context.Context) error {
	w.abort(ErrWriterClosed)
	return nil
}

// abort finishes the writer with why: stops and drains the part in flight,
// then aborts the multipart upload (best effort: CleanUploads removes what
// a failed abort leaves).
func (w *s3Writer) abort(why error) {
	if w.finished {
		return
	}
	w.cancel()
	w.wait()
	if w.uploadID != "" {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), 30*time.Second)
		defer cancel()
		if err := w.s.core.AbortMultipartUpload(ctx, w.s.bucket, w.name, w.uploadID); err != nil {
			w.s.log.Warn("aborting an upload", "key", w.key, "err", err)
		}
	}
	w.finish()
	w.err = why
}

// finish releases the buffers and the part context.
func (w *s3Writer) finish() {
	w.cancel()
	w.finished, w.buf, w.parts = true, nil, nil
}
