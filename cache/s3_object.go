package cache

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
)

// Open starts a GET of the whole object: one request answers both whether
// it exists and its Info. The Object reads that response; after a Seek it
// asks for the rest with a Range request pinned to the object's ETag.
// Reading does not observe ctx (only Open's own request does). With
// S3Config.LocalCopies, package files are served from their local copies
// (see openCopy).
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	if s.local != nil && copied(key) {
		if err := check(ctx, "open", key); err != nil {
			return nil, err
		}
		return s.openCopy(ctx, key)
	}
	return s.openRemote(ctx, key)
}

// openRemote opens the bucket's object.
func (s *S3) openRemote(ctx context.Context, key string) (Object, error) {
	name, err := s.s3Op(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	o := &s3Object{s: s, name: name}
	o.ctx, o.cancel = context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, o.cancel) // ctx aborts this first request
	body, oi, _, err := s.core.GetObject(o.ctx, s.bucket, name, minio.GetObjectOptions{})
	if !stop() { // ctx ended meanwhile
		if err == nil {
			body.Close()
		}
		return nil, fmt.Errorf("cache: open %s: %w", key, ctx.Err())
	}
	if err != nil {
		o.cancel()
		return nil, s3Err("open", key, err)
	}
	o.body, o.etag = body, oi.ETag
	o.info = Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}
	return o, nil
}

// s3Object streams an object. pos is the reader's offset; body, when not
// nil, is a response positioned at bodyPos.
type s3Object struct {
	s            *S3
	name, etag   string
	info         Info
	ctx          context.Context // for every request; cancelled by Close
	cancel       context.CancelFunc
	body         io.ReadCloser
	pos, bodyPos int64
}

// errObjectChanged is returned by a read that resumes (after a Seek) on a
// key that was replaced since Open.
var errObjectChanged = errors.New("object replaced while open")

func (o *s3Object) Read(p []byte) (int, error) {
	if o.pos >= o.info.Size {
		o.closeBody()
		return 0, io.EOF
	}
	if o.body == nil || o.bodyPos != o.pos {
		if err := o.reopen(); err != nil {
			return 0, err
		}
	}
	n, err := o.body.Read(p)
	o.pos += int64(n)
	o.bodyPos = o.pos
	if err == io.EOF && o.pos < o.info.Size {
		err = fmt.Errorf("cache: read %s: %w", o.info.Key, io.ErrUnexpectedEOF)
	}
	return n, err
}

// reopen starts a Range request at pos, only for the content Open saw.
func (o *s3Object) reopen() error {
	o.closeBody()
	var opts minio.GetObjectOptions
	if err := opts.SetMatchETag(o.etag); err != nil {
		return fmt.Errorf("cache: read %s: %w", o.info.Key, err)
	}
	if o.pos > 0 { // SetRange(0, 0) would be the first byte only
		if err := opts.SetRange(o.pos, 0); err != nil {
			return fmt.Errorf("cache: read %s: %w", o.info.Key, err)
		}
	}
	body, _, _, err := o.s.core.GetObject(o.ctx, o.s.bucket, o.name, opts)
	if c := errCode(err); c == minio.PreconditionFailed || c == minio.NoSuchKey {
		return fmt.Errorf("cache: read %s: %w", o.info.Key, errObjectChanged)
	} else if err != nil {
		return fmt.Errorf("cache: read %s: %w", o.info.Key, err)
	}
	o.body, o.bodyPos = body, o.pos
	return nil
}

// Seek only moves the offset; the next Read fetches from there.
func (o *s3Object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.pos
	case io.SeekEnd:
		offset += o.info.Size
	default:
		return 0, fmt.Errorf("cache: seek %s: invalid whence %d", o.info.Key, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("cache: seek %s: negative position %d", o.info.Key, offset)
	}
	o.pos = offset
	return offset, nil
}

func (o *s3Object) closeBody() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}

// Close ends any response still open.
func (o *s3Object) Close() error {
	o.closeBody()
	o.cancel()
	return nil
}

// Info returns what the opening GET reported.
func (o *s3Object) Info() Info { return o.info }
