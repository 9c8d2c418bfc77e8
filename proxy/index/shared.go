package index

import (
	"context"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// Pages on a store several replicas share (a cache.Leaser, S3). Each
// replica keeps its pages in memory, and another replica may meanwhile
// store a newer copy of one. The rule: a replica serves a page from memory
// only while it is fresh (younger than the TTL, or the revalidation floor
// for a client asking for a fresh copy); past that it reads the stored
// copy, and takes it in place of its own when it is newer (a higher
// serial, or a different page stored later). It serves that copy without
// asking upstream while it is fresh, and otherwise revalidates against it,
// so an upstream page with a lower serial than the stored one is refused
// as usual. A replica therefore never serves a page older than one it has
// seen stored, and never overwrites a newer stored page with an older one.

// newerStored returns the stored copy of kind when the store is shared and
// that copy is newer than cached (nil otherwise), holding it in memory.
func (s *Service) newerStored(ctx context.Context, kind refresher, cached *Page) *Page {
	if cached == nil {
		return nil
	}
	if _, shared := cache.LeaserOf(s.cfg.Store); !shared {
		return nil
	}
	st, err := s.pages.loadStored(ctx, kind)
	if err != nil {
		if !isNotExist(err) {
			s.log.Warn("cannot load stored page", "page", kind.memKey(), "err", err)
		}
		return nil
	}
	if !newerThan(st, cached) {
		return nil
	}
	return s.pages.keep(kind, st)
}

// newerThan reports whether the stored page st supersedes the page p:
// a higher serial, or (serials equal or unknown) other content stored
// after p was fetched.
func newerThan(st, p *Page) bool {
	if st.Serial() >= 0 && p.Serial() >= 0 && st.Serial() != p.Serial() {
		return st.Serial() > p.Serial()
	}
	return !st.sameAs(p) && st.fetched.After(p.fetched)
}
