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

// Page is one version of an index page: what identifies it (serial, ETags,
// the upstream validators) and its renderings, held in memory when they fit
// the budget, else in the tree only (served from there, never re-parsed).
// A Page is never changed once shared.
type Page struct {
	meta     pageMeta
	bodies   *bodies   // nil: every rendering is in the tree only
	keys     [2]string // store keys of the JSON and HTML renderings; "" for copies the kind lacks
	fetched  time.Time // when upstream last vouched for this version
	notFound bool      // a cached upstream 404
	stored   bool      // its copies are in the tree
	mkey     string    // its name in memory (pageKind.memKey), set when kept
	upstream time.Duration
	// owners and union, on a root listing several indexes: which index
	// serves each project, and the listing (in memory only).
	owners map[string]string
	union  *simple.RootIndex
}

// bodies are a page's renderings in memory, by format (formatIndex) and
// coding: identity, then the compressed copies made once per version.
type bodies struct {
	b [2][numCodings][]byte
}

// Body is the identity rendering of the page in format f when it is in
// memory, else nil (Rendering says where it is stored).
func (p *Page) Body(f simple.Format) []byte {
	if p.bodies == nil {
		return nil
	}
	return p.bodies.b[formatIndex(f)][Identity]
}

// ETag is the strong validator of the identity rendering in format f.
func (p *Page) ETag(f simple.Format) string { return p.meta.ETags[formatIndex(f)] }

// Serial is the page's upstream serial, -1 when unknown.
func (p *Page) Serial() int64 { return p.meta.Serial }

// Index names the upstream index that served the page ("" when unknown).
func (p *Page) Index() string { return p.meta.Index }

// UpstreamTime is the network time of the fetch that made the page.
func (p *Page) UpstreamTime() time.Duration { return p.upstream }

// cost is what the page holds in memory: the capacity of its bodies
// (none for a page served from the tree) and its descriptor.
func (p *Page) cost() int64 {
	n := int64(512)
	if p.bodies != nil {
		for _, byCoding := range p.bodies.b {
			for _, b := range byCoding {
				n += int64(cap(b))
			}
		}
	}
	return n
}

// newPage builds a page from its identity renderings (html may be nil for
// a kind with one format). Compressed copies are added by compress.
func newPage(json, html []byte, serial int64, fetched time.Time) *Page {
	p := &Page{bodies: &bodies{}, fetched: fetched}
	p.bodies.b[0][Identity], p.bodies.b[1][Identity] = json, html
	p.meta = pageMeta{Serial: serial, ETags: [2]string{etagOf(json), etagOf(html)}}
	p.meta.Sizes[0][Identity], p.meta.Sizes[1][Identity] = int64(len(json)), int64(len(html))
	return p
}

// sameAs reports whether p renders exactly as q.
func (p *Page) sameAs(q *Page) bool { return q != nil && p.meta.ETags == q.meta.ETags }

// with returns a copy of p (pages are never changed once shared); the
// copy shares p's bodies.
func (p *Page) with(edit func(*Page)) *Page {
	c := *p
	edit(&c)
	return &c
}

// descriptor is p without its renderings in memory (a stored page: they
// are sent from the tree).
func (p *Page) descriptor() *Page {
	if p.bodies == nil {
		return p
	}
	return p.with(func(c *Page) { c.bodies = nil })
}

// asStored returns p marked as being in the tree under keys.
func (p *Page) asStored(keys [2]string) *Page {
	return p.with(func(c *Page) { c.stored, c.keys = true, keys })
}

// formatIndex is the slot of format f in a page's arrays: 0 JSON, 1 HTML.
func formatIndex(f simple.Format) int {
	if f == simple.FormatJSON {
		return 0
	}
	return 1
}

func etagOf(b []byte) string {
	if b == nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
