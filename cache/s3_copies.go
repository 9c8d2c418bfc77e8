package cache

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// Local copies (S3Config.LocalCopies): a replica keeps the package files it
// reads from the bucket in a local store (a budgeted directory) and serves
// them from there, with sendfile, instead of streaming every hit through
// the process from the bucket. The bucket stays the truth:
//   - only content-addressed keys are copied: files-host keys whose path
//     names the file's blake2b-256 (PackageDigest), so a copy can never be
//     of other bytes than the bucket's (pages, state, .metadata files and
//     other indexes' file paths are always read from the bucket);
//   - a copy is made while an Open reads the object from start to end, and
//     kept only when every byte arrived and the blake2b-256 matches, by the
//     local store's atomic commit;
//   - every hit asks the bucket (one HEAD) that the object is still there
//     with that size: a file deleted through another replica (it left its
//     page, a removal policy) is deleted here too, never served;
//   - when the bucket cannot be asked (down, timeout), the copy is served:
//     a hot file outlives an outage of the store.

// copyCheckTimeout bounds the HEAD that checks a copy against the bucket.
const copyCheckTimeout = 5 * time.Second

// copied reports whether key's objects are kept as local copies.
func copied(key string) bool {
	_, ok := PackageDigest(key)
	return ok
}

// openCopy serves key from its local copy when the bucket agrees, else
// from the bucket while copying it.
func (s *S3) openCopy(ctx context.Context, key string) (Object, error) {
	if lo, err := s.local.Open(ctx, key); err == nil {
		obj, err := s.checkCopy(ctx, key, lo)
		if obj != nil || err != nil {
			return obj, err
		}
	}
	ro, err := s.openRemote(ctx, key)
	if err != nil {
		return nil, err
	}
	w, err := s.local.Create(ctx, key)
	if err != nil { // a full local disk only costs the copy
		s.log.Warn("local copy not made", "key", key, "err", err)
		return ro, nil
	}
	want, _ := PackageDigest(key)
	return &copyingObject{Object: ro, s: s, w: w, check: newContentCheck(want)}, nil
}

// checkCopy asks the bucket about a local copy: the copy when it is still
// the object (or the bucket cannot answer), fs.ErrNotExist when the object
// was deleted, nil and nil to read the bucket instead.
func (s *S3) checkCopy(ctx context.Context, key string, lo Object) (Object, error) {
	hctx, cancel := context.WithTimeout(ctx, copyCheckTimeout)
	info, err := s.Stat(hctx, key)
	cancel()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		lo.Close()
		s.dropCopy(key)
		return nil, err
	case err != nil && ctx.Err() == nil:
		s.log.Warn("serving the local copy: the bucket did not answer", "key", key, "err", err)
		return lo, nil
	case err != nil:
		lo.Close()
		return nil, err
	case info.Size != lo.Info().Size:
		lo.Close()
		s.dropCopy(key)
		return nil, nil
	}
	return lo, nil
}

// dropCopy deletes a local copy; a failure leaves it to be checked again.
func (s *S3) dropCopy(key string) {
	if err := s.local.Delete(context.Background(), key); err != nil {
		s.log.Warn("deleting a local copy", "key", key, "err", err)
	}
}

// copyingObject reads an object from the bucket and writes what is read,
// while it is read in order from the start, to a local copy, committed when
// the last byte arrives and checks out. A Seek away from the copy's end
// (a Range request) or an early Close gives the copy up.
type copyingObject struct {
	Object
	s      *S3
	w      Writer // nil once committed or given up
	check  *contentCheck
	pos    int64 // the reader's offset
	copied int64 // bytes written to the copy
}

func (o *copyingObject) Read(p []byte) (int, error) {
	if o.w != nil && o.pos != o.copied {
		o.giveUp()
	}
	n, err := o.Object.Read(p)
	o.pos += int64(n)
	if o.w != nil && n > 0 {
		o.check.Write(p[:n])
		if _, werr := o.w.Write(p[:n]); werr != nil {
			o.s.log.Warn("local copy not made", "key", o.Info().Key, "err", werr)
			o.giveUp()
		} else {
			o.copied = o.pos
		}
	}
	if o.w != nil && o.copied == o.Info().Size {
		o.commit()
	}
	return n, err
}

// Seek moves the reader; the copy goes on only if reading resumes where it
// stands.
func (o *copyingObject) Seek(offset int64, whence int) (int64, error) {
	pos, err := o.Object.Seek(offset, whence)
	if err == nil {
		o.pos = pos
	}
	return pos, err
}

func (o *copyingObject) commit() {
	w := o.w
	o.w = nil
	key := o.Info().Key
	if err := o.check.check(key); err != nil {
		o.s.log.Error("local copy differs from the key's digest", "key", key, "err", err)
		w.Cancel(context.Background())
		return
	}
	if err := w.Commit(context.Background()); err != nil {
		o.s.log.Warn("local copy not made", "key", key, "err", err)
	}
}

func (o *copyingObject) giveUp() {
	o.w.Cancel(context.Background())
	o.w = nil
}

// Close gives up an unfinished copy.
func (o *copyingObject) Close() error {
	if o.w != nil {
		o.giveUp()
	}
	return o.Object.Close()
}

var _ io.ReadSeekCloser = (*copyingObject)(nil)
