package index

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// Outcome is what the cache did for one request; the HTTP layer turns it
// into X-Cache and a metric label.
type Outcome string

// The outcomes of a page or file request.
const (
	Hit         Outcome = "hit"
	Miss        Outcome = "miss"
	Revalidated Outcome = "revalidated"
	Stale       Outcome = "stale"
	Offline     Outcome = "offline"
)

// Page is one index page rendered in both formats, ready to serve from
// memory without re-rendering. A Page is never changed once built.
type Page struct {
	json, html         []byte
	jsonETag, htmlETag string
	serial             int64
	fetched            time.Time
	notFound           bool // a cached upstream 404
	stored             bool // its copies are in the tree
	upstream           time.Duration
	gz                 gzipBodies
}

// Body is the page in format f.
func (p *Page) Body(f simple.Format) []byte {
	if f == simple.FormatJSON {
		return p.json
	}
	return p.html
}

// ETag is the strong validator of Body(f).
func (p *Page) ETag(f simple.Format) string {
	if f == simple.FormatJSON {
		return p.jsonETag
	}
	return p.htmlETag
}

// Serial is the page's upstream serial, -1 when unknown.
func (p *Page) Serial() int64 { return p.serial }

// UpstreamTime is the network time of the fetch that made the page.
func (p *Page) UpstreamTime() time.Duration { return p.upstream }

// cost counts the bodies and room for their gzip copies.
func (p *Page) cost() int64 { return int64(cap(p.json)+cap(p.html))*5/4 + 512 }

func newPage(json, html []byte, serial int64, fetched time.Time) *Page {
	return &Page{json: json, html: html, jsonETag: etagOf(json), htmlETag: etagOf(html), serial: serial, fetched: fetched}
}

// sameAs reports whether p renders exactly as q.
func (p *Page) sameAs(q *Page) bool {
	return q != nil && p.jsonETag == q.jsonETag && p.htmlETag == q.htmlETag
}

// asStored returns p marked as being in the tree (a copy: pages are never
// changed once shared).
func (p *Page) asStored() *Page {
	if p.stored {
		return p
	}
	c := &Page{json: p.json, html: p.html, jsonETag: p.jsonETag, htmlETag: p.htmlETag, serial: p.serial,
		fetched: p.fetched, upstream: p.upstream, stored: true}
	return c
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
