package index

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
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
	union    *rootUnion // a root listing several indexes (in memory only)
}

// rootUnion is what a root listing several indexes keeps besides its
// renderings: which index serves each project, and the listing.
type rootUnion struct {
	owners  map[string]string
	listing *simple.RootIndex
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
// are sent from the tree), its strings packed into one allocation: what
// memory keeps of every stored page it can (descriptorCost,
// BenchmarkDescriptorMemory).
func (p *Page) descriptor() *Page {
	return p.with(func(c *Page) {
		c.bodies = nil
		packStrings(&c.meta.ETags[0], &c.meta.ETags[1], &c.meta.Upstream.ETag, &c.meta.Upstream.LastModified,
			&c.meta.Digest, &c.keys[0], &c.keys[1], &c.mkey)
		c.meta.Index = indexNames.intern(c.meta.Index)
	})
}

// packStrings makes the strings share one allocation (one object for the
// collector, no size-class slack per string).
func packStrings(fields ...*string) {
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range fields {
		b.WriteString(*f)
	}
	all := b.String()
	for _, f := range fields {
		*f, all = all[:len(*f)], all[len(*f):]
	}
}

// asStored returns p marked as being in the tree under keys.
func (p *Page) asStored(keys [2]string) *Page {
	return p.with(func(c *Page) { c.stored, c.keys = true, keys })
}

// indexNames interns the index names of descriptors: a few (the
// configured indexes, those in older sidecars) shared by every page.
var indexNames = &interned{max: 64}

// interned holds up to max distinct strings, each once.
type interned struct {
	mu  sync.Mutex
	m   map[string]string
	max int
}

// intern is s as held, or s itself once max strings are held.
func (in *interned) intern(s string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if held, ok := in.m[s]; ok {
		return held
	}
	if len(in.m) < in.max {
		if in.m == nil {
			in.m = map[string]string{}
		}
		s = strings.Clone(s) // not a piece of a larger string, held forever
		in.m[s] = s
	}
	return s
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
