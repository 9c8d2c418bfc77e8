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
// disk. It never talks to upstream: the Service refreshes. Memory holds
// three tiers under one budget:
//   - mem: pages with their renderings (a page just fetched, small next to
//     the budget, or not in the tree: memory is then its only copy), and
//     remembered 404s;
//   - descs: the descriptor of every stored page memory has room for
//     (serial, ETags, sizes, validators: about 750 bytes), so a page
//     whose renderings were evicted is still sent from the tree without
//     reading its sidecar;
//   - renderings: stored renderings read from the tree, by ETag, so a hot
//     page loaded after a restart is sent from memory after its first
//     request, at the cost of that one read.
type pages struct {
	store      cache.Store
	mem        *ristretto.Cache[string, *Page]
	descs      *ristretto.Cache[string, *Page]
	renderings *ristretto.Cache[string, []byte]
	inline     int64 // the largest page whose renderings are held in memory
	cfg        Config
	log        *slog.Logger
}

// descriptorCost is what a descriptor holds in memory beyond the entry
// ristretto counts itself (48 bytes): the Page, its packed strings and
// the rest of ristretto's entry, 745 bytes in all for a project page
// read from its sidecar (BenchmarkDescriptorMemory).
const descriptorCost = 704

func newPages(cfg Config, memBytes int64) (*pages, error) {
	// Descriptors get half: they make every page memory can describe
	// cost no sidecar read (about 120,000 projects in the default budget).
	bodies, descs := memBytes/5, memBytes/2
	mem, err := newMemCache[*Page](bodies, 2048)
	if err != nil {
		return nil, err
	}
	dc, err := newMemCache[*Page](descs, descriptorCost)
	if err != nil {
		return nil, err
	}
	rc, err := newMemCache[[]byte](memBytes-bodies-descs, 1024)
	if err != nil {
		return nil, err
	}
	inline := min(memBytes/64, 8<<20)
	return &pages{store: cfg.Store, mem: mem, descs: dc, renderings: rc, inline: inline, cfg: cfg, log: cfg.Logger}, nil
}

// newMemCache is a ristretto cache of maxCost bytes for items of about
// itemCost bytes.
func newMemCache[V any](maxCost, itemCost int64) (*ristretto.Cache[string, V], error) {
	return ristretto.NewCache(&ristretto.Config[string, V]{
		NumCounters: counters(maxCost, itemCost),
		MaxCost:     max(maxCost, 1),
		BufferItems: 64,
		Metrics:     true,
	})
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

// cached returns the in-memory page, or its descriptor, or the stored
// page (read from its sidecar, nothing parsed), or nil.
func (ps *pages) cached(ctx context.Context, kind pageKind) *Page {
	key := kind.memKey()
	if p, ok := ps.mem.Get(key); ok {
		return p
	}
	if p, ok := ps.descs.Get(key); ok {
		return p
	}
	p, err := ps.loadDescriptor(ctx, kind)
	if err != nil {
		if !isNotExist(err) {
			ps.log.Warn("cannot load stored page", "page", key, "err", err)
		}
		return nil
	}
	return ps.keep(kind, p)
}

// keep holds p in memory: its descriptor when it is in the tree, and its
// renderings when they are small or not in the tree (a failed write:
// memory is then the only copy). It returns p as kept (named, so that a
// stored rendering found changed can forget it).
func (ps *pages) keep(kind pageKind, p *Page) *Page {
	key := kind.memKey()
	if p.mkey != key {
		p = p.with(func(c *Page) { c.mkey = key })
	}
	if !p.stored {
		ps.descs.Del(key) // an older version's
		ps.mem.Set(key, p, p.cost())
		return p
	}
	ps.descs.Set(key, p.descriptor(), descriptorCost)
	if p.bodies == nil || p.cost() > ps.inline {
		ps.mem.Del(key) // an older version's
		return p
	}
	ps.mem.Set(key, p, p.cost())
	return p
}

// keepNotFound remembers an upstream 404 for NotFoundTTL.
func (ps *pages) keepNotFound(kind pageKind) {
	ps.descs.Del(kind.memKey())
	ps.mem.Set(kind.memKey(), &Page{notFound: true, fetched: time.Now()}, 512)
	ps.mem.Wait() // sets are asynchronous, and a 404 has no copy on disk to fall back on
}

// forget drops a page from memory.
func (ps *pages) forget(kind pageKind) { ps.forgetKey(kind.memKey()) }

// forgetKey drops the page named key ("" is the root) from memory.
func (ps *pages) forgetKey(key string) {
	ps.mem.Del(key)
	ps.descs.Del(key)
}

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
