package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// storedKeys are the store keys of kind's JSON and HTML renderings.
func storedKeys(kind pageKind) [2]string {
	jk, v1k, _ := kind.keys()
	return [2]string{jk, v1k}
}

// loadStored rebuilds a page from the tree: from its sidecar, with
// nothing parsed (its renderings read into memory only when they are
// small), else from the copies of an older tree, parsed once: the sidecar
// and the compressed copies are then written, so it is the last time.
func (ps *pages) loadStored(ctx context.Context, kind pageKind) (*Page, error) {
	return ps.load(ctx, kind, true)
}

// loadDescriptor is loadStored without reading the renderings when the
// sidecar describes them.
func (ps *pages) loadDescriptor(ctx context.Context, kind pageKind) (*Page, error) {
	return ps.load(ctx, kind, false)
}

func (ps *pages) load(ctx context.Context, kind pageKind, withBodies bool) (*Page, error) {
	keys := storedKeys(kind)
	m, info, err := readMeta(ctx, ps.store, keys[0])
	if err == nil && m.ETags[0] != "" {
		p := &Page{meta: m, keys: keys, fetched: info.ModTime, stored: true, mkey: kind.memKey()}
		if m.total() > ps.inline || !withBodies && ps.sameSize(ctx, keys[0], m.Sizes[0][Identity]) {
			return p, nil
		}
		if p.bodies, err = readBodies(ctx, ps.store, keys, m); err == nil {
			return p, nil
		}
	}
	if err != nil && !isNotExist(err) {
		ps.log.Warn("page sidecar unusable, reading the page", "page", kind.memKey(), "err", err)
	}
	p, err := kind.load(ctx, ps.store)
	if err != nil {
		return nil, err
	}
	if keys[1] != "" {
		compress(p)
	}
	p = p.asStored(keys)
	if err := ps.persist(ctx, kind, p, false); err != nil {
		ps.log.Warn("cannot store the sidecar of an older page", "page", kind.memKey(), "err", err)
	}
	return p, nil
}

// sameSize reports whether the stored rendering under key still has the
// size its sidecar recorded: a copy rewritten by another tool is then
// read (and its sidecar rewritten), never described by an older sidecar.
// (Each rendering's size is checked again when it is sent.)
func (ps *pages) sameSize(ctx context.Context, key string, size int64) bool {
	info, err := ps.store.Stat(ctx, key)
	return err == nil && info.Size == size
}

// total is the size of every stored rendering.
func (m *pageMeta) total() int64 {
	var n int64
	for _, byCoding := range m.Sizes {
		for _, size := range byCoding {
			n += size
		}
	}
	return n
}

// readBodies reads every stored rendering m lists; a size that differs
// from the sidecar's (a copy rewritten by another tool) is an error.
func readBodies(ctx context.Context, s cache.Store, keys [2]string, m pageMeta) (*bodies, error) {
	b := &bodies{}
	for i, key := range keys {
		for c := range numCodings {
			if key == "" || m.Sizes[i][c] == 0 {
				continue
			}
			data, err := cache.ReadObject(ctx, s, key+c.suffix())
			if err != nil {
				return nil, err
			}
			if int64(len(data)) != m.Sizes[i][c] {
				return nil, fmt.Errorf("%s: %d bytes, the sidecar says %d", key+c.suffix(), len(data), m.Sizes[i][c])
			}
			b.b[i][c] = data
		}
	}
	return b, nil
}

// persist writes the page's renderings into the tree (with identity
// false, only the compressed ones), each compressed copy before its
// identity file, the legacy index.html as a second name of index.v1_html
// (a hard link where the store can), then the sidecar. An older version's
// brotli copy is deleted (brotli is now made on demand, in memory only).
func (ps *pages) persist(ctx context.Context, kind pageKind, p *Page, identity bool) error {
	jk, v1k, hk := kind.keys()
	var err error
	for i, key := range [2]string{jk, v1k} {
		if key == "" || p.bodies.b[i][Identity] == nil {
			continue
		}
		for _, c := range []Coding{Gzip, Brotli, Identity} {
			switch b := p.bodies.b[i][c]; {
			case c == Identity && !identity:
			case b != nil:
				err = errors.Join(err, cache.WriteObject(ctx, ps.store, key+c.suffix(), b))
			case i == 1 || c == Brotli:
				err = errors.Join(err, ps.store.Delete(ctx, key+c.suffix())) // an older version's
			}
		}
	}
	if err == nil && hk != "" && identity {
		for _, c := range []Coding{Gzip, Brotli, Identity} {
			switch {
			case p.bodies.b[1][c] != nil:
				err = errors.Join(err, cache.CopyObject(ctx, ps.store, v1k+c.suffix(), hk+c.suffix()))
			case c == Brotli:
				err = errors.Join(err, ps.store.Delete(ctx, hk+c.suffix())) // an older version's
			}
		}
	}
	if err == nil {
		err = writeMeta(ctx, ps.store, jk, p.meta)
	}
	if err != nil {
		storeErrors.Inc()
		ps.log.Error("cannot store page", "page", kind.memKey(), "err", err)
		return fmt.Errorf("page %s: %w", kind.memKey(), err)
	}
	return nil
}

// delete removes the page's copies and sidecar from the tree and memory.
func (ps *pages) delete(ctx context.Context, kind pageKind) error {
	jk, v1k, hk := kind.keys()
	errs := []error{deleteMeta(ctx, ps.store, jk)}
	for _, key := range []string{jk, v1k, hk} {
		if key == "" {
			continue
		}
		for c := range numCodings {
			errs = append(errs, ps.store.Delete(ctx, key+c.suffix()))
		}
	}
	ps.forget(kind)
	return errors.Join(errs...)
}

// PageBody is the identity rendering of p in format f: from memory, else
// read from the tree (for a caller that edits it, such as the JSON API's
// absolute URLs).
func (s *Service) PageBody(ctx context.Context, p *Page, f simple.Format) ([]byte, error) {
	if b := p.Body(f); b != nil || !p.stored {
		return b, nil
	}
	key := p.keys[formatIndex(f)]
	if key == "" {
		return nil, nil
	}
	return cache.ReadObject(ctx, s.cfg.Store, key)
}
