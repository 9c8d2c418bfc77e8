package index

import (
	"context"
	"time"

	"github.com/dgraph-io/ristretto/v2"
)

// Project returns the page of a project (a normalized name) for a client.
// revalidate is set when the client asked for a fresh copy (pip's
// max-age=0).
func (s *Service) Project(ctx context.Context, name string, revalidate bool) (*Page, Outcome, error) {
	if err := s.admit(name); err != nil {
		return nil, Miss, err
	}
	return s.page(ctx, projectPage{s: s, name: name}, revalidate)
}

// Root returns the list of every project for a client.
func (s *Service) Root(ctx context.Context, revalidate bool) (*Page, Outcome, error) {
	return s.page(ctx, rootPage{s: s}, revalidate)
}

// JSONAPI returns a project's PyPI JSON API document (version "" for the
// project's, else a release's), file URLs root-relative ("/packages/...").
func (s *Service) JSONAPI(ctx context.Context, name, version string, revalidate bool) (*Page, Outcome, error) {
	if err := s.admit(name); err != nil {
		return nil, Miss, err
	}
	return s.page(ctx, jsonAPIPage{s: s, name: name, version: version}, revalidate)
}

// MemoryStats are the in-memory page cache's counters, over its tiers.
type MemoryStats struct {
	// Hits and Misses count page lookups: answered from memory (the page
	// or its descriptor), or sent to the tree.
	Hits, Misses uint64
	// Evicted counts entries of every tier dropped for room; Bytes is what
	// the tiers hold.
	Evicted, Bytes uint64
}

// MemoryStats sums the counters of the in-memory tiers.
func (s *Service) MemoryStats() MemoryStats {
	mem, descs, rend := s.pages.mem.Metrics, s.pages.descs.Metrics, s.pages.renderings.Metrics
	var st MemoryStats
	st.Hits = mem.Hits() + descs.Hits()
	st.Misses = descs.Misses()
	for _, m := range []*ristretto.Metrics{mem, descs, rend} {
		st.Evicted += m.KeysEvicted()
		st.Bytes += m.CostAdded() - m.CostEvicted()
	}
	return st
}

// PageTTL is how long p may be served without asking upstream (its
// index's own TTL when set), for the response's Cache-Control.
func (s *Service) PageTTL(p *Page) time.Duration { return s.pages.ttl(p) }
