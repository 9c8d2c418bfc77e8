package proxy

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// rootPage is the pageKind of /simple/, the list of every project.
type rootPage struct {
	up *upstream.Client
	// tree, when set, is where the mirror writes its own listing: the root
	// is reloaded from there and never fetched from upstream.
	tree cache.Store
}

func (rootPage) keys() (string, string, string) {
	return cache.RootPageKey(cache.PageV1JSON), cache.RootPageKey(cache.PageV1HTML), cache.RootPageKey(cache.PageHTML)
}

func (rootPage) base() *url.URL { return &url.URL{Scheme: "http", Host: localHost, Path: "/simple/"} }

// load reads the stored copies, as a project page's.
func (k rootPage) load(ctx context.Context, s cache.Store) (*page, error) {
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
			return simple.RenderRootJSON(root), -1, nil
		})
}

func (k rootPage) fetch(ctx context.Context, prev *page) (*page, error) {
	if k.tree != nil {
		p, err := k.load(ctx, k.tree)
		if err != nil {
			return nil, &upstream.Error{Kind: upstream.KindUnavailable, Status: 503, URL: "/simple/",
				Err: fmt.Errorf("the mirror has not listed its projects yet: %w", err)}
		}
		p.fetched = time.Now()
		return p, nil
	}
	pg, err := k.up.FetchRootPage(ctx)
	if err != nil {
		return nil, err
	}
	var root *simple.RootIndex
	if isJSONPage(pg) {
		root, err = simple.ParseRootJSON(pg.Body)
	} else {
		root, err = simple.ParseRootHTML(pg.Body, pg.URL)
	}
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.KindBadResponse, URL: pg.URL.String(), Err: err}
	}
	if root.Meta.LastSerial < 0 {
		root.Meta.LastSerial = pg.Serial
	}
	if prev != nil && root.Meta.LastSerial >= 0 && root.Meta.LastSerial < prev.serial {
		staleSerials.Inc()
		return nil, fmt.Errorf("root: serial %d < stored %d: %w", root.Meta.LastSerial, prev.serial, errStaleSerial)
	}
	p := newPage(simple.RenderRootJSON(root), simple.RenderRootHTML(root), root.Meta.LastSerial, time.Now())
	p.upstream = pg.Elapsed
	return p, nil
}
