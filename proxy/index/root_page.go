package index

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// rootPage is the page kind of /simple/, the list of every project.
type rootPage struct{ s *Service }

func (rootPage) memKey() string { return "" }

func (rootPage) keys() (string, string, string) {
	return cache.RootPageKey(cache.PageV1JSON), cache.RootPageKey(cache.PageV1HTML), cache.RootPageKey(cache.PageHTML)
}

func (rootPage) base() *url.URL { return &url.URL{Scheme: "http", Host: localHost, Path: "/simple/"} }

// load reads the stored copies, as a project page's.
func (k rootPage) load(ctx context.Context, s cache.Store) (*Page, error) {
	return loadCopies(ctx, s, k,
		func(js, html []byte) ([]byte, int64, error) {
			root, err := simple.ParseRootJSON(js)
			if err != nil {
				return nil, 0, err
			}
			if html == nil {
				html = simple.RenderRootHTML(root)
			}
			return html, root.Meta.LastSerial, nil
		},
		func(html []byte) ([]byte, int64, error) {
			root, err := simple.ParseRootHTML(html, k.base())
			if err != nil {
				return nil, 0, err
			}
			return simple.RenderRootJSON(root), root.Meta.LastSerial, nil
		})
}

// prepare fetches the root from the root index, or, when the mirror owns
// the root (RootFromTree), takes the listing it wrote (WriteRoot).
func (k rootPage) prepare(ctx context.Context, prev *Page) (*update, error) {
	if k.s.cfg.RootFromTree {
		return k.fromTree(ctx, prev)
	}
	if indexes := k.s.cfg.Upstream.Indexes(); len(indexes) > 1 {
		p, err := k.unionRoot(ctx, indexes)
		if err != nil {
			return nil, err
		}
		return &update{kind: k, page: p}, nil
	}
	pg, err := k.s.cfg.Upstream.Root().FetchRootPage(ctx)
	if err != nil {
		return nil, err
	}
	digest := fetchedDigest(pg)
	if p := revalidated(ctx, pg, digest, ""); p != nil {
		return &update{kind: k, page: p, unchanged: true}, nil
	}
	root, err := parseRoot(pg)
	if err != nil {
		return nil, err
	}
	if err := checkSerial("root", root.Meta.LastSerial, prev, 0); err != nil {
		return nil, err
	}
	p := renderRoot(root)
	p.upstream, p.meta.Upstream, p.meta.Digest = pg.Elapsed, pg.Validators, digest
	return &update{kind: k, page: p}, nil
}

// fromTree takes the root the mirror wrote: unchanged when its sidecar
// names the version already held.
func (k rootPage) fromTree(ctx context.Context, prev *Page) (*update, error) {
	p, err := k.s.pages.loadStored(ctx, k)
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.KindUnavailable, Status: 503, URL: "/simple/",
			Err: fmt.Errorf("the mirror has not listed its projects yet: %w", err)}
	}
	p = p.with(func(c *Page) { c.fetched = time.Now() })
	return &update{kind: k, page: p, unchanged: p.sameAs(prev)}, nil
}

// renderRoot renders a root listing in both formats and their compressed
// copies.
func renderRoot(root *simple.RootIndex) *Page {
	p := newPage(simple.RenderRootJSON(root), simple.RenderRootHTML(root), root.Meta.LastSerial, time.Now())
	compress(p)
	return p
}

// WriteRoot stores a root listing as the mirror's (RootFromTree serves
// it): both formats, their compressed copies and the sidecar.
func (s *Service) WriteRoot(ctx context.Context, root *simple.RootIndex) error {
	k := rootPage{s: s}
	p := renderRoot(root)
	if err := s.pages.persist(ctx, k, p, true); err != nil {
		return err
	}
	s.pages.forget(k)
	return nil
}

// FetchRoot fetches and parses an index's root page (the mirror's JSON
// changelog source reads it too).
func FetchRoot(ctx context.Context, ix upstream.Index) (*simple.RootIndex, *upstream.Page, error) {
	pg, err := ix.FetchRootPage(ctx)
	if err != nil {
		return nil, nil, err
	}
	root, err := parseRoot(pg)
	return root, pg, err
}

// parseRoot parses a root page; its serial is the page's, else the
// response header's.
func parseRoot(pg *upstream.Page) (*simple.RootIndex, error) {
	root, err := simple.ParseRootPage(pg.Body, pg.MediaType, pg.URL)
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.KindBadResponse, URL: pg.URL.String(), Err: err}
	}
	if root.Meta.LastSerial < 0 {
		root.Meta.LastSerial = pg.Serial
	}
	keepValidNames(root, nil)
	return root, nil
}
