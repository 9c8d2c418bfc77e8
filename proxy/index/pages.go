package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// ErrNotCachedOffline is returned in offline mode for anything not cached.
var ErrNotCachedOffline = errors.New("not cached, and the proxy is offline")

// errStaleSerial refuses an upstream page older than the stored one (a
// lagging CDN node) or than the serial the changelog announced.
var errStaleSerial = errors.New("upstream page has a lower serial than required")

// errUnparsable is a stored copy that does not parse: another copy of the
// page may still serve.
var errUnparsable = errors.New("does not parse")

// pageKind is what differs between the root index, a project page and a
// JSON API document.
type pageKind interface {
	// memKey names the page in memory and in the singleflight group.
	memKey() string
	// keys are the store keys of the JSON, v1 HTML and legacy HTML copies
	// ("" for copies the kind does not have).
	keys() (json, v1html, html string)
	// load rebuilds a page from its stored copies (fs.ErrNotExist if none).
	load(ctx context.Context, s cache.Store) (*Page, error)
}

// pages keeps index pages: ristretto in memory, the bandersnatch tree on
// disk. It never talks to upstream: the Service refreshes. A page's
// renderings stay in memory only when they are small next to the budget
// (inline); a larger page is kept as its descriptor and served from the
// tree.
type pages struct {
	store  cache.Store
	mem    *ristretto.Cache[string, *Page]
	inline int64 // the largest page whose renderings are held in memory
	cfg    Config
	log    *slog.Logger
}

func newPages(cfg Config, memBytes int64) (*pages, error) {
	mem, err := ristretto.NewCache(&ristretto.Config[string, *Page]{
		NumCounters: counters(memBytes, 2048),
		MaxCost:     memBytes,
		BufferItems: 64,
		Metrics:     true,
	})
	if err != nil {
		return nil, err
	}
	inline := min(memBytes/64, 8<<20)
	return &pages{store: cfg.Store, mem: mem, inline: inline, cfg: cfg, log: cfg.Logger}, nil
}

// fresh reports whether a cached page may be served without asking
// upstream: younger than the TTL, and, when the client asks for a fresh
// copy (pip's max-age=0), younger than the revalidation floor.
func (ps *pages) fresh(p *Page, clientRevalidates bool) bool {
	age, ttl := time.Since(p.fetched), ps.ttl(p)
	if clientRevalidates {
		return age < min(ps.cfg.RevalidateAfter, ttl)
	}
	return age < ttl
}

// ttl is how long p is served without asking upstream: its index's own
// TTL when one is set, else IndexTTL.
func (ps *pages) ttl(p *Page) time.Duration {
	if d, ok := ps.cfg.IndexTTLs[p.meta.Index]; ok && d > 0 {
		return d
	}
	return ps.cfg.IndexTTL
}

// notFoundFresh reports whether a remembered 404 still holds.
func (ps *pages) notFoundFresh(p *Page) bool {
	return p.notFound && time.Since(p.fetched) < ps.cfg.NotFoundTTL
}

// cached returns the in-memory page, or the stored one, or nil.
//
// A page read from the tree is kept as its descriptor first (its
// renderings are sent from the tree with sendfile); its renderings come
// into memory on its second request. Traffic over more pages than memory
// holds then costs a sidecar read per request, not a read of every
// rendering of every page in turn.
func (ps *pages) cached(ctx context.Context, kind pageKind) *Page {
	if p, ok := ps.mem.Get(kind.memKey()); ok {
		if p.bodies == nil && p.stored && p.meta.total() <= ps.inline {
			return ps.promote(ctx, kind, p)
		}
		return p
	}
	p, err := ps.loadDescriptor(ctx, kind)
	if err != nil {
		if !isNotExist(err) {
			ps.log.Warn("cannot load stored page", "page", kind.memKey(), "err", err)
		}
		return nil
	}
	ps.keep(kind, p)
	return p
}

// promote reads a small stored page's renderings into memory; on a
// failure the descriptor goes on serving from the tree.
func (ps *pages) promote(ctx context.Context, kind pageKind, p *Page) *Page {
	b, err := readBodies(ctx, ps.store, p.keys, p.meta)
	if err != nil {
		if !isNotExist(err) {
			ps.log.Warn("cannot read a stored page", "page", kind.memKey(), "err", err)
		}
		return p
	}
	p = p.with(func(c *Page) { c.bodies = b })
	ps.keep(kind, p)
	return p
}

// keep holds p in memory: with its renderings when they are small or
// not in the tree (a failed write: memory is then the only copy), else
// as its descriptor.
func (ps *pages) keep(kind pageKind, p *Page) {
	if p.bodies != nil && p.stored && p.cost() > ps.inline {
		p = p.with(func(c *Page) { c.bodies = nil })
	}
	ps.mem.Set(kind.memKey(), p, p.cost())
}

// keepNotFound remembers an upstream 404 for NotFoundTTL.
func (ps *pages) keepNotFound(kind pageKind) {
	ps.mem.Set(kind.memKey(), &Page{notFound: true, fetched: time.Now()}, 512)
	ps.mem.Wait() // sets are asynchronous, and a 404 has no copy on disk to fall back on
}

// forget drops a page from memory.
func (ps *pages) forget(kind pageKind) { ps.mem.Del(kind.memKey()) }

// loadCopies rebuilds a page from the tree: from the JSON copy (with the
// v1 HTML one when it is there), else (none, or one that does not parse)
// from either HTML copy of an older bandersnatch mirror. fromJSON gets the
// HTML copy or nil and returns the HTML to serve; fromHTML returns the
// JSON; both return the page's serial.
func loadCopies(ctx context.Context, s cache.Store, kind pageKind,
	fromJSON func(js, html []byte) ([]byte, int64, error),
	fromHTML func(html []byte) ([]byte, int64, error)) (*Page, error) {
	jk, v1k, hk := kind.keys()
	js, info, err := cache.ReadObjectInfo(ctx, s, jk)
	if err == nil {
		html, herr := cache.ReadObject(ctx, s, v1k)
		if herr != nil {
			html = nil
		}
		html, serial, perr := fromJSON(js, html)
		if perr == nil {
			return newPage(js, html, serial, info.ModTime), nil
		}
		err = fmt.Errorf("stored %s: %w: %w", jk, errUnparsable, perr)
	}
	if !isNotExist(err) && !errors.Is(err, errUnparsable) {
		return nil, err
	}
	jsonErr := err
	for _, key := range []string{v1k, hk} {
		html, info, err := cache.ReadObjectInfo(ctx, s, key)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		js, serial, err := fromHTML(html)
		if err != nil {
			return nil, fmt.Errorf("stored %s: %w", key, err)
		}
		return newPage(js, html, serial, info.ModTime), nil
	}
	if !isNotExist(jsonErr) {
		return nil, jsonErr
	}
	return nil, fmt.Errorf("stored page %s: %w", jk, fs.ErrNotExist)
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
