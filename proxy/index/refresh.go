package index

import (
	"context"
	"maps"
	"path"

	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// refresher is a pageKind that can be fetched from upstream.
type refresher interface {
	pageKind
	// prepare asks upstream and builds the fresh page and what goes with
	// it; it writes nothing. prev (the cached page, or nil) is what the
	// stale-serial rule compares with.
	prepare(ctx context.Context, prev *Page) (*update, error)
}

// update is a refreshed page not written yet: commit writes it.
type update struct {
	kind refresher
	page *Page
	// Project pages: the project, the origins of the page's files and of
	// the files of the page it replaces (whose files are deleted on commit
	// when they left it).
	project       string
	files, before map[string]origin
	// removal is the rule of the files that left the page ("removed",
	// "quarantined"): their tombstones answer 410.
	removal string
	// JSON API documents: origins learned from it, added to the project's
	// record for files no page has described.
	learned map[string]origin
	// unchanged is a page upstream vouched for again (revalidated): commit
	// only renews its freshness in memory.
	unchanged bool
}

// page returns the page of kind for a client: from memory or the tree
// while fresh, else refreshed once for every client asking at that moment.
func (s *Service) page(ctx context.Context, kind refresher, revalidate bool) (*Page, Outcome, error) {
	cached := s.pages.cached(ctx, kind)
	if p, o, err, ok := s.fromCache(kind, cached, revalidate); ok {
		return p, o, err
	}
	if cached != nil && cached.notFound {
		cached = nil
	}
	type result struct {
		p *Page
		o Outcome
	}
	v, err, shared := s.group.Do(kind.memKey(), func() (any, error) {
		// Detached from the first client: its hanging up must not fail the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.FetchTimeout)
		defer cancel()
		// A refresh that ended between the check above and this flight has
		// just kept the page (or its 404): answer from that, as for a client
		// a moment later, instead of asking upstream again.
		if p, o, err, ok := s.fromCache(kind, s.pages.cached(fctx, kind), revalidate); ok {
			return result{p, o}, err
		}
		if st := s.newerStored(fctx, kind, cached); st != nil { // another replica's (see shared.go)
			if s.pages.fresh(st, revalidate) {
				return result{st, Hit}, nil
			}
			cached = st
		}
		p, o, err := s.refresh(fctx, kind, cached)
		return result{p, o}, err
	})
	if shared {
		coalescedWaiters.WithLabelValues("page").Inc()
	}
	r, _ := v.(result)
	return r.p, r.o, err
}

// fromCache answers a client from cached (nil: nothing cached) when no
// upstream request is due: ok is false when the page must be refreshed.
func (s *Service) fromCache(kind refresher, cached *Page, revalidate bool) (p *Page, o Outcome, err error, ok bool) {
	switch {
	case s.cfg.Offline && cached != nil && !cached.notFound:
		return cached, Offline, nil, true
	case s.cfg.Offline:
		return nil, Offline, ErrNotCachedOffline, true
	case cached != nil && s.pages.notFoundFresh(cached):
		return nil, Hit, &upstream.Error{Kind: upstream.KindNotFound, Status: 404, URL: kind.memKey()}, true
	case cached != nil && !cached.notFound && s.pages.fresh(cached, revalidate):
		return cached, Hit, nil, true
	}
	return nil, "", nil, false
}

// refresh is the lazy refresh: prepare, then commit. An upstream failure
// serves the cached copy (stale); a failed write is logged and the page
// is served from memory.
func (s *Service) refresh(ctx context.Context, kind refresher, cached *Page) (*Page, Outcome, error) {
	u, err := kind.prepare(s.revalidating(ctx, cached), cached)
	switch {
	case upstream.IsNotFound(err):
		if pk, ok := kind.(projectPage); ok && pk.minSerial == 0 {
			s.removeProjectFiles(ctx, pk.name)
		}
		s.pages.keepNotFound(kind)
		return nil, Miss, err
	case err != nil && cached != nil:
		s.log.Warn("upstream failed, serving stale page", "page", kind.memKey(), "err", err)
		staleServed.WithLabelValues("page").Inc()
		return cached, Stale, nil
	case err != nil:
		return nil, Miss, err
	}
	o := Miss
	if u.page.sameAs(cached) {
		o = Revalidated
	}
	p, err := s.commit(ctx, u, cached)
	if err != nil {
		return s.pages.keep(kind, u.page), o, nil // the proxy goes on from memory
	}
	return p, o, nil
}

// commit is the one writer of a refreshed page and what goes with it, in
// the order that keeps the tree consistent for a reader at any moment:
// the origins of the new files (beside the previous ones), the page, then
// the record narrowed to the page's files, then the files that left it.
// Files a mirror fetched are on disk before it commits. It returns the page
// now in force.
func (s *Service) commit(ctx context.Context, u *update, prev *Page) (*Page, error) {
	defer s.commits.lock(u.kind.memKey())()
	if u.unchanged {
		return s.pages.keep(u.kind, u.page), nil
	}
	s.reconcileExtracted(ctx, u)
	if u.files != nil {
		if err := s.origins.record(ctx, u.project, withPrevious(u.before, u.files)); err != nil {
			return nil, err
		}
	}
	if u.learned != nil {
		s.origins.learn(ctx, u.project, u.learned)
	}
	p := u.page
	if !p.stored {
		if err := s.pages.persist(ctx, u.kind, p, true); err != nil {
			return nil, err
		}
	}
	p = s.pages.keep(u.kind, p.asStored(storedKeys(u.kind)))
	if u.files == nil {
		return p, nil
	}
	kept, gone := withTombstones(u)
	if err := s.origins.narrow(ctx, u.project, kept); err != nil {
		return nil, err
	}
	for _, key := range gone {
		s.Audit(u.project, path.Base(key), u.before[key].Index, u.removal)
		s.deleteFile(ctx, key)
	}
	return p, nil
}

// deleteFile removes a file and its metadata file.
func (s *Service) deleteFile(ctx context.Context, key string) {
	for _, k := range []string{key, key + ".metadata"} {
		if err := s.cfg.Store.Delete(ctx, k); err != nil {
			s.log.Warn("cannot delete file", "key", k, "err", err)
		}
	}
}

// withTombstones is the record a commit narrows to: the page's files, and
// a tombstone for every file that left it (and every older tombstone), so
// that its key answers 410 Gone instead of a 404 of something that
// existed. gone lists the files that left the page in this commit.
func withTombstones(u *update) (map[string]origin, []string) {
	kept, cloned := u.files, false
	var gone []string
	for key, o := range u.before {
		if _, listed := u.files[key]; listed {
			continue
		}
		if !cloned {
			kept, cloned = maps.Clone(u.files), true
		}
		if o.Removed == "" {
			gone = append(gone, key)
			rule := u.removal
			if rule == "" {
				rule = RuleRemoved
			}
			o = origin{Project: o.Project, Index: o.Index, Removed: rule}
		}
		kept[key] = o
	}
	return kept, gone
}
