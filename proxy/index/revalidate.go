package index

import (
	"context"
	"time"

	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// revalidateKey marks the context of a lazy refresh whose page may be
// kept as it is when upstream vouches for it.
type revalidateKey struct{}

// revalidating makes a lazy refresh conditional on the cached page: the
// fetch carries its upstream validators, and a 304, or a body byte for byte
// the one the page was made from, keeps the page as it is (revalidated).
// Not with a filter: the page is then more than a function of the upstream
// bytes (the filter's configuration may have changed since). The mirror's
// Prepare never revalidates: it needs the page's files.
func (s *Service) revalidating(ctx context.Context, cached *Page) context.Context {
	// A release cooldown is decided at each refresh (files mature): the
	// page is made again even when upstream has not changed it.
	if cached == nil || cached.notFound || !cached.stored || s.cfg.Filter != nil || s.cfg.Policy.MinReleaseAge > 0 {
		return ctx
	}
	ctx = context.WithValue(ctx, revalidateKey{}, cached)
	return upstream.WithValidators(ctx, cached.meta.Upstream)
}

// revalidated returns the cached page with its freshness renewed when
// the refresh under ctx may keep it and upstream vouched for it (a 304, or
// the same bytes: digest is the upstream body's), else nil. Nothing is
// parsed, rendered or written.
func revalidated(ctx context.Context, pg *upstream.Page, digest, index string) *Page {
	prev, _ := ctx.Value(revalidateKey{}).(*Page)
	if prev == nil || !pg.NotModified && (prev.meta.Digest == "" || digest != prev.meta.Digest) {
		return nil
	}
	if prev.meta.Index != "" && prev.meta.Index != index {
		return nil // another index answered: not the version held
	}
	revalidations.Inc()
	return prev.with(func(c *Page) {
		c.fetched, c.upstream, c.meta.Index = time.Now(), pg.Elapsed, index
		if !pg.Validators.IsZero() {
			c.meta.Upstream = pg.Validators
		}
	})
}

// fetchedDigest is the digest of an upstream page's body ("" for a 304).
func fetchedDigest(pg *upstream.Page) string {
	if pg.NotModified {
		return ""
	}
	return digestOf(pg.Body)
}
