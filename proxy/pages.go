package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	"golang.org/x/sync/singleflight"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// outcome is what the cache did for one request; it becomes X-Cache and a
// metric label.
type outcome string

const (
	outcomeHit         outcome = "hit"
	outcomeMiss        outcome = "miss"
	outcomeRevalidated outcome = "revalidated"
	outcomeStale       outcome = "stale"
	outcomeOffline     outcome = "offline"
)

// errNotCachedOffline is returned in offline mode for anything not cached.
var errNotCachedOffline = errors.New("not cached, and the proxy is offline")

// errStaleSerial refuses an upstream page older than the stored one (a
// lagging CDN node): the stored page stays current.
var errStaleSerial = errors.New("upstream page has a lower serial than the stored one")

// page is one index page rendered in both formats, ready to serve from
// memory without re-rendering.
type page struct {
	json, html         []byte
	jsonETag, htmlETag string
	serial             int64
	fetched            time.Time
	notFound           bool        // a cached upstream 404
	stored             atomic.Bool // its copies are in the tree
	// synced holds, for SyncProject to take, the origins of the files of a
	// project page fetched for the mirror.
	synced   atomic.Pointer[map[string]origin]
	upstream time.Duration // network time of the fetch that made it
	gz       gzipBodies
}

// cost counts the bodies and room for their gzip copies.
func (p *page) cost() int64 { return int64(len(p.json)+len(p.html))*5/4 + 512 }

func newPage(json, html []byte, serial int64, fetched time.Time) *page {
	return &page{json: json, html: html, jsonETag: etagOf(json), htmlETag: etagOf(html), serial: serial, fetched: fetched}
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// pageKind is what differs between the root index and a project page.
type pageKind interface {
	// keys are the store keys of the JSON, v1 HTML and legacy HTML copies.
	keys() (json, v1html, html string)
	// load rebuilds a page from its stored copies (fs.ErrNotExist if none).
	load(ctx context.Context, s cache.Store) (*page, error)
	// fetch asks upstream and builds a fresh page; prev may be nil. A page
	// whose serial is below prev's is refused with errStaleSerial.
	fetch(ctx context.Context, prev *page) (*page, error)
}

// loadCopies rebuilds a page from the tree: from the JSON copy (with the
// v1 HTML one when it is there), else from either HTML copy of an older
// bandersnatch mirror. fromJSON gets the HTML copy or nil and returns the
// HTML to serve; fromHTML returns the JSON; both return the page's serial.
func loadCopies(ctx context.Context, s cache.Store, kind pageKind,
	fromJSON func(js, html []byte) ([]byte, int64, error),
	fromHTML func(html []byte) ([]byte, int64, error)) (*page, error) {
	jk, v1k, hk := kind.keys()
	js, info, err := cache.ReadObjectInfo(ctx, s, jk)
	if err == nil {
		html, herr := cache.ReadObject(ctx, s, v1k)
		if herr != nil {
			html = nil
		}
		html, serial, err := fromJSON(js, html)
		if err != nil {
			return nil, fmt.Errorf("stored %s: %w", jk, err)
		}
		return newPage(js, html, serial, info.ModTime), nil
	}
	if !isNotExist(err) {
		return nil, err
	}
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
	return nil, fmt.Errorf("stored page %s: %w", jk, fs.ErrNotExist)
}

// pages serves index pages: ristretto in memory, the bandersnatch tree on
// disk, upstream when stale, one upstream request per page at a time.
type pages struct {
	store       cache.Store
	mem         *ristretto.Cache[string, *page]
	group       singleflight.Group
	ttl         time.Duration
	notFoundTTL time.Duration
	// revalidateAfter: a client's request for a fresh copy revalidates a
	// page only when it is at least this old (0: always).
	revalidateAfter time.Duration
	offline         bool
	timeout         time.Duration
	log             *slog.Logger
}

// get returns the page for key (a project name, or "" for the root).
func (ps *pages) get(ctx context.Context, key string, kind pageKind, revalidate bool) (*page, outcome, error) {
	cached := ps.cached(ctx, key, kind)
	switch {
	case ps.offline && cached != nil && !cached.notFound:
		return cached, outcomeOffline, nil
	case ps.offline:
		return nil, outcomeOffline, errNotCachedOffline
	case cached != nil && cached.notFound && time.Since(cached.fetched) < ps.notFoundTTL:
		return nil, outcomeHit, &upstream.Error{Kind: upstream.KindNotFound, Status: 404, URL: key}
	case cached != nil && !cached.notFound && ps.fresh(cached, revalidate):
		return cached, outcomeHit, nil
	}
	type result struct {
		p *page
		o outcome
	}
	v, err, shared := ps.group.Do(key, func() (any, error) {
		// Detached from the first client: its hanging up must not fail the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ps.timeout)
		defer cancel()
		p, o, err := ps.refresh(fctx, key, kind, cached, refreshLazy)
		return result{p, o}, err
	})
	if shared {
		coalescedWaiters.WithLabelValues("page").Inc()
	}
	r, _ := v.(result)
	return r.p, r.o, err
}

// fresh reports whether a cached page may be served without asking
// upstream: younger than the TTL, and, when the client asks for a fresh
// copy (pip's max-age=0), younger than the revalidation floor.
func (ps *pages) fresh(p *page, clientRevalidates bool) bool {
	age := time.Since(p.fetched)
	if clientRevalidates {
		return age < min(ps.revalidateAfter, ps.ttl)
	}
	return age < ps.ttl
}

// cached returns the in-memory page, or the stored one, or nil.
func (ps *pages) cached(ctx context.Context, key string, kind pageKind) *page {
	if p, ok := ps.mem.Get(key); ok {
		return p
	}
	p, err := kind.load(ctx, ps.store)
	if err != nil {
		if !isNotExist(err) {
			ps.log.Warn("cannot load stored page", "page", key, "err", err)
		}
		return nil
	}
	p.stored.Store(true)
	ps.mem.Set(key, p, p.cost())
	return p
}

// refreshMode is what a refresh is for.
type refreshMode int

const (
	// refreshLazy serves the stale copy when upstream fails; a failed
	// write is logged and the page served from memory.
	refreshLazy refreshMode = iota
	// refreshSync (the mirror) returns upstream's failure, and a failed
	// write, as errors.
	refreshSync
	// refreshSyncUnstored is refreshSync leaving the write to the caller
	// (storePage), once the page's files are on disk.
	refreshSyncUnstored
)

// refreshNow asks upstream at once, sharing a fetch in flight, and never
// falls back to a stale copy: the mirror wants to know.
func (ps *pages) refreshNow(ctx context.Context, key string, kind pageKind, mode refreshMode) (*page, error) {
	cached := ps.cached(ctx, key, kind)
	v, err, _ := ps.group.Do("sync:"+key, func() (any, error) {
		p, _, err := ps.refresh(ctx, key, kind, cached, mode)
		return p, err
	})
	p, _ := v.(*page)
	return p, err
}

// storePage writes a page refreshed with refreshSyncUnstored, unless its
// copies are in the tree already.
func (ps *pages) storePage(ctx context.Context, key string, kind pageKind, p *page) error {
	if p.stored.Load() {
		return nil
	}
	if err := ps.persist(ctx, key, kind, p); err != nil {
		return err
	}
	p.stored.Store(true)
	return nil
}

// forget drops a page from memory.
func (ps *pages) forget(key string) { ps.mem.Del(key) }

// refresh asks upstream, keeps the fresh page in memory and, unless mode
// says otherwise, writes it into the tree.
func (ps *pages) refresh(ctx context.Context, key string, kind pageKind, cached *page, mode refreshMode) (*page, outcome, error) {
	if cached != nil && cached.notFound {
		cached = nil
	}
	fresh, err := kind.fetch(ctx, cached)
	switch {
	case upstream.IsNotFound(err):
		ps.mem.Set(key, &page{notFound: true, fetched: time.Now()}, 512)
		ps.mem.Wait() // sets are asynchronous, and a 404 has no copy on disk to fall back on
		return nil, outcomeMiss, err
	case err != nil && cached != nil && mode == refreshLazy:
		ps.log.Warn("upstream failed, serving stale page", "page", key, "err", err)
		staleServed.WithLabelValues("page").Inc()
		return cached, outcomeStale, nil
	case err != nil:
		return nil, outcomeMiss, err
	}
	o := outcomeMiss
	same := cached != nil && cached.jsonETag == fresh.jsonETag && cached.htmlETag == fresh.htmlETag
	if same {
		o = outcomeRevalidated
	}
	var perr error
	switch {
	case same && cached.stored.Load():
		fresh.stored.Store(true)
	case mode != refreshSyncUnstored:
		// New, or an earlier write failed (a full disk): write it now.
		perr = ps.persist(ctx, key, kind, fresh)
		fresh.stored.Store(perr == nil)
	}
	ps.mem.Set(key, fresh, fresh.cost())
	if perr != nil && mode != refreshLazy {
		return nil, outcomeMiss, perr // the mirror must not record a page that is not on disk
	}
	return fresh, o, nil
}

// persist writes the page's copies into the tree; a failure (a full disk)
// is logged, and the lazy proxy still serves the page from memory. The two
// HTML copies are one object under two names where the store can (a hard
// link).
func (ps *pages) persist(ctx context.Context, key string, kind pageKind, p *page) error {
	jk, v1k, hk := kind.keys()
	err := cache.WriteObject(ctx, ps.store, jk, p.json)
	if err == nil && v1k != "" {
		err = cache.WriteObject(ctx, ps.store, v1k, p.html)
		if err == nil && hk != "" {
			err = cache.CopyObject(ctx, ps.store, v1k, hk)
		}
	}
	if err != nil {
		storeErrors.Inc()
		ps.log.Error("cannot store page", "page", key, "err", err)
		return fmt.Errorf("page %s: %w", key, err)
	}
	return nil
}
