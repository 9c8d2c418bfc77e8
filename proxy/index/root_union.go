package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// pinner is a Router whose rules pin projects to indexes
// (*upstream.Routed).
type pinner interface {
	Pinned(name string) (upstream.Index, bool)
}

// unionRoot lists the projects of several indexes, each once: a project a
// rule pins to an index is listed only if that index lists it; any other
// from the first index (in order) that lists it, as the router would
// serve it. Every index must answer: a root missing the projects of an
// index that is down would be a different list, so the root fails (and is
// served stale) instead. The serial is -1: serials of different indexes do
// not compare.
func (k rootPage) unionRoot(ctx context.Context, indexes []upstream.Index) (*Page, error) {
	pins, _ := k.s.cfg.Upstream.(pinner)
	merged := &simple.RootIndex{Meta: simple.Meta{LastSerial: -1}}
	owners := map[string]string{}
	var elapsed time.Duration
	for _, ix := range indexes {
		root, pg, err := FetchRoot(ctx, ix)
		if err != nil {
			return nil, fmt.Errorf("root of index %s: %w", ix.Name(), err)
		}
		elapsed += pg.Elapsed
		for _, rp := range root.Projects {
			name := simple.Normalize(rp.Name)
			if _, seen := owners[name]; seen {
				continue
			}
			if pins != nil {
				if pin, ok := pins.Pinned(name); ok && pin.Name() != ix.Name() {
					continue
				}
			}
			owners[name] = ix.Name()
			merged.Projects = append(merged.Projects, rp)
		}
	}
	p := renderRoot(merged)
	p.upstream, p.union = elapsed, &rootUnion{owners: owners, listing: merged}
	return p, nil
}

// VisibleRoot is the root for a caller who may read only the indexes
// readable says yes to: the projects of other indexes are left out. A
// root whose owners are unknown (read back from the tree) lists only the
// projects of readable indexes that the router pins, until it is
// refreshed. With one index, or a caller who may read all, it is root.
func (s *Service) VisibleRoot(ctx context.Context, root *Page, readable func(index string) bool) *Page {
	if readable == nil {
		return root
	}
	var sig strings.Builder // which indexes the caller reads
	all := true
	for _, ix := range s.cfg.Upstream.Indexes() {
		r := readable(ix.Name())
		all = all && r
		fmt.Fprintf(&sig, "%t,", r)
	}
	if all {
		return root
	}
	key := visibleKey{root: root, readable: sig.String()}
	if p, ok := s.visible.Load(key); ok {
		return p.(*Page)
	}
	p := s.filterRoot(ctx, root, readable)
	s.visible.Range(func(k, _ any) bool { // only the current root's views are worth keeping
		if k.(visibleKey).root != root {
			s.visible.Delete(k)
		}
		return true
	})
	s.visible.Store(key, p)
	return p
}

// visibleKey names one caller's view of one root page.
type visibleKey struct {
	root     *Page
	readable string
}

// filterRoot renders root without the projects of unreadable indexes.
func (s *Service) filterRoot(ctx context.Context, root *Page, readable func(index string) bool) *Page {
	parsed, err := s.rootListing(ctx, root)
	if err != nil {
		s.log.Warn("cannot read the root to filter it", "err", err)
		parsed = &simple.RootIndex{Meta: simple.Meta{LastSerial: -1}}
	}
	pins, _ := s.cfg.Upstream.(pinner)
	kept := parsed.Projects[:0]
	for _, rp := range parsed.Projects {
		name := simple.Normalize(rp.Name)
		owner, known := root.owner(name)
		if !known && pins != nil {
			if pin, ok := pins.Pinned(name); ok {
				owner, known = pin.Name(), true
			}
		}
		if known && readable(owner) {
			kept = append(kept, rp)
		}
	}
	parsed.Projects = kept
	p := renderRoot(parsed)
	p.fetched, p.upstream = root.fetched, root.upstream
	return p
}

// owner is the index that serves the project name on a root listing
// several indexes (false when unknown: a root read back from the tree).
func (p *Page) owner(name string) (string, bool) {
	if p.union == nil {
		return "", false
	}
	ix, ok := p.union.owners[name]
	return ix, ok
}

// rootListing is the listing of a root page: the merged one in memory,
// else its JSON rendering parsed (from memory or the tree).
func (s *Service) rootListing(ctx context.Context, root *Page) (*simple.RootIndex, error) {
	if root.union != nil {
		c := *root.union.listing
		c.Projects = slices.Clone(c.Projects)
		return &c, nil
	}
	js := root.Body(simple.FormatJSON)
	if js == nil && root.stored && root.keys[0] != "" {
		var err error
		if js, err = cache.ReadObject(ctx, s.cfg.Store, root.keys[0]); err != nil {
			return nil, err
		}
	}
	return simple.ParseRootJSON(js)
}
