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

// MemoryMetrics are the in-memory page cache's counters.
func (s *Service) MemoryMetrics() *ristretto.Metrics { return s.pages.mem.Metrics }

// PageTTL is how long p may be served without asking upstream (its
// index's own TTL when set), for the response's Cache-Control.
func (s *Service) PageTTL(p *Page) time.Duration { return s.pages.ttl(p) }
