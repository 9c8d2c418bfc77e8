package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// ErrPageChanged is a stored rendering that is gone or no longer has the
// size its sidecar recorded (replaced since the page was looked up, or
// rewritten by another tool): the client retries and gets the page as it
// is now.
var ErrPageChanged = errors.New("index page changing in the tree, try again")

// StoredBody is the stored rendering r of p (one the page does not hold
// in memory, r.Key set), from memory when a request read it before, else
// read from the tree and kept for the next one. Meant for small
// renderings: large ones are sent from the tree (OpenRendering).
func (s *Service) StoredBody(ctx context.Context, p *Page, r Rendering) ([]byte, error) {
	if b, ok := s.pages.renderings.Get(r.ETag); ok && int64(len(b)) == r.Size {
		return b, nil
	}
	obj, err := s.OpenRendering(ctx, p, r)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	b := make([]byte, r.Size)
	if _, err := io.ReadFull(obj, b); err != nil {
		return nil, fmt.Errorf("stored page %s: %w", r.Key, err)
	}
	s.pages.renderings.Set(r.ETag, b, int64(cap(b))) // ristretto adds its entry's size
	return b, nil
}

// OpenRendering opens the stored rendering r of p, checking its size
// against the sidecar's: a copy rewritten since is never sent under the
// old ETag. The page is then dropped from memory and its sidecar deleted,
// so the next request rebuilds it from the copies in the tree.
func (s *Service) OpenRendering(ctx context.Context, p *Page, r Rendering) (cache.Object, error) {
	obj, err := s.cfg.Store.Open(ctx, r.Key)
	if errors.Is(err, fs.ErrNotExist) {
		s.pages.forgetKey(p.mkey)
		return nil, ErrPageChanged
	}
	if err != nil {
		return nil, err
	}
	if size := obj.Info().Size; size != r.Size {
		obj.Close()
		return nil, s.storedSizeChanged(ctx, p, r, size)
	}
	return obj, nil
}

// storedSizeChanged handles a stored rendering whose size is not the one
// p recorded: a newer version of the page (its sidecar changed too) is
// looked up again; a copy rewritten by another tool under an unchanged
// sidecar makes the sidecar go, so the next request rebuilds the page
// from the copies in the tree.
func (s *Service) storedSizeChanged(ctx context.Context, p *Page, r Rendering, size int64) error {
	s.pages.forgetKey(p.mkey)
	m, _, err := readMeta(ctx, s.cfg.Store, p.keys[0])
	if err != nil || m.ETags != p.meta.ETags {
		return ErrPageChanged
	}
	s.log.Warn("stored page rewritten under its sidecar: rebuilding it", "key", r.Key, "size", size, "sidecar", r.Size)
	if err := deleteMeta(ctx, s.cfg.Store, p.keys[0]); err != nil && !isNotExist(err) {
		return err
	}
	return ErrPageChanged
}
