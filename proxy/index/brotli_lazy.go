package index

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"
	"golang.org/x/sync/singleflight"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// Brotli copies are made on demand, not at every commit: a mirror pass
// writes thousands of pages that may never be asked for in brotli (pip
// does not take it; nginx's gzip_static reads only the .gz copies). The
// first request for a page version that accepts br compresses its
// identity rendering; the copy is kept in memory, keyed by that
// rendering's ETag (a digest of its bytes: never stale), under its share
// of the memory budget, and never written to the tree. A page larger than
// largePage is sent as gzip instead: compressing it per request, should
// memory not keep the copy, would cost more than the bytes it saves.
type brotliCopies struct {
	mem   *ristretto.Cache[string, []byte]
	group singleflight.Group // one compression per rendering at a time
	made  atomic.Int64       // compressions, for tests
}

func newBrotliCopies(memBytes int64) (*brotliCopies, error) {
	mem, err := ristretto.NewCache(&ristretto.Config[string, []byte]{
		NumCounters: counters(memBytes, 4096),
		MaxCost:     memBytes,
		BufferItems: 64,
	})
	if err != nil {
		return nil, err
	}
	return &brotliCopies{mem: mem}, nil
}

// Rendering picks what to send of format f of p to a client that accepts
// the codings accepts reports: brotli, else gzip, else identity. Brotli is
// made on demand (see brotliCopies); when it cannot be (a large page, an
// identity rendering that cannot be read), the next coding goes.
func (s *Service) Rendering(ctx context.Context, p *Page, f simple.Format, accepts func(Coding) bool) Rendering {
	r := p.Rendering(f, accepts)
	if r.Coding == Brotli || !accepts(Brotli) {
		return r // an older tree's stored copy, or not wanted
	}
	i := formatIndex(f)
	etag := p.meta.ETags[i]
	if etag == "" || p.meta.Sizes[i][Identity] > largePage {
		return r
	}
	body, err := s.brotli.get(etag, func() ([]byte, error) { return s.identity(ctx, p, f) })
	if err != nil {
		s.log.Debug("no brotli copy: sending the next coding", "etag", etag, "err", err)
		return r
	}
	return Rendering{Coding: Brotli, ETag: codingETag(etag, Brotli), Body: body, Size: int64(len(body))}
}

// get returns the brotli copy of the rendering whose ETag is etag,
// compressing what identity returns when memory has none.
func (b *brotliCopies) get(etag string, identity func() ([]byte, error)) ([]byte, error) {
	if body, ok := b.mem.Get(etag); ok {
		return body, nil
	}
	v, err, _ := b.group.Do(etag, func() (any, error) {
		if body, ok := b.mem.Get(etag); ok {
			return body, nil
		}
		src, err := identity()
		if err != nil {
			return nil, err
		}
		body := brotliBytes(src)
		b.made.Add(1)
		brotliMade.Inc()
		b.mem.Set(etag, body, int64(cap(body)))
		b.mem.Wait() // the next request finds it
		return body, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// identity is p's identity rendering in format f: from memory, else read
// from the tree and checked against the ETag (the page may have been
// replaced there since p was looked up).
func (s *Service) identity(ctx context.Context, p *Page, f simple.Format) ([]byte, error) {
	if b := p.Body(f); b != nil {
		return b, nil
	}
	i := formatIndex(f)
	if !p.stored || p.keys[i] == "" {
		return nil, fmt.Errorf("page has no %s rendering", f)
	}
	b, err := cache.ReadObject(ctx, s.cfg.Store, p.keys[i])
	if err != nil {
		return nil, err
	}
	if etagOf(b) != p.meta.ETags[i] {
		return nil, fmt.Errorf("%s: replaced since the page was looked up", p.keys[i])
	}
	return b, nil
}
