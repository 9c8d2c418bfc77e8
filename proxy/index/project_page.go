package index

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// localHost stands for the proxy itself when stored pages are parsed: their
// links are relative, and resolve against it.
const localHost = "mirror.invalid"

// projectPage is the page kind of /simple/<name>/.
type projectPage struct {
	s    *Service
	name string
	// minSerial, when > 0, refuses (errStaleSerial) a page below the
	// serial the mirror's changelog announced.
	minSerial int64
}

func (k projectPage) memKey() string { return k.name }

func (k projectPage) keys() (string, string, string) {
	return cache.ProjectPageKey(k.name, cache.PageV1JSON), cache.ProjectPageKey(k.name, cache.PageV1HTML),
		cache.ProjectPageKey(k.name, cache.PageHTML)
}

func (k projectPage) base() *url.URL {
	return &url.URL{Scheme: "http", Host: localHost, Path: "/simple/" + k.name + "/"}
}

// load reads the stored copies: the JSON when there is one, else the HTML
// of an older bandersnatch mirror, from which the JSON is rendered.
func (k projectPage) load(ctx context.Context, s cache.Store) (*Page, error) {
	p, err := k.loadCopies(ctx, s)
	if err == nil && p.meta.Index == "" { // an older tree: the index its files came from
		p.meta.Index = k.s.origins.indexOf(ctx, k.name)
	}
	return p, err
}

func (k projectPage) loadCopies(ctx context.Context, s cache.Store) (*Page, error) {
	return loadCopies(ctx, s, k,
		func(js, html []byte) ([]byte, int64, error) {
			proj, err := simple.ParseProjectJSON(js, k.base())
			if err != nil {
				return nil, 0, err
			}
			if html == nil {
				relativize(proj, k.base())
				html = simple.RenderProjectHTML(proj)
			}
			return html, proj.Meta.LastSerial, nil
		},
		func(html []byte) ([]byte, int64, error) {
			proj, err := simple.ParseProjectHTML(html, k.base(), k.name)
			if err != nil {
				return nil, 0, err
			}
			relativize(proj, k.base())
			return simple.RenderProjectJSON(proj), proj.Meta.LastSerial, nil
		})
}

// prepare fetches, parses, filters and localizes the page; it writes
// nothing.
func (k projectPage) prepare(ctx context.Context, prev *Page) (*update, error) {
	ix := k.s.cfg.Upstream.ForProject(k.name)
	pg, err := ix.FetchProjectPage(ctx, k.name)
	if err != nil {
		return nil, err
	}
	ixName := ix.Name()
	if pg.Index != "" {
		ixName = pg.Index // a router chose among several
	}
	digest := fetchedDigest(pg)
	if p := revalidated(ctx, pg, digest, ixName); p != nil {
		return &update{kind: k, page: p, unchanged: true}, nil
	}
	proj, err := parseProject(pg, k.name)
	if err != nil {
		return nil, err
	}
	if err := checkSerial(k.name, proj.Meta.LastSerial, prev, k.minSerial); err != nil {
		return nil, err
	}
	if k.s.cfg.Filter != nil {
		k.s.cfg.Filter(proj)
	}
	removal := RuleRemoved
	if proj.Meta.ProjectStatus == "quarantined" {
		// PEP 792: a quarantined project serves no files; they leave the
		// page and the tree, and answer 410 until the quarantine ends.
		k.s.Audit(k.name, "", ixName, RuleQuarantine)
		proj.Files, proj.Versions, removal = nil, nil, RuleQuarantine
	}
	files := localize(proj, ixName, k.s.cfg.AllowUnverified, k.s.log) // every listed file, held ones too: their downloads answer 403
	before := k.s.origins.files(ctx, k.name)
	if carryExtracted(files, before) {
		adoptExtracted(proj, files) // metadata.go: keep advertising what the proxy extracted
	}
	k.s.applyPolicy(proj, ixName)
	p := newPage(simple.RenderProjectJSON(proj), simple.RenderProjectHTML(proj), proj.Meta.LastSerial, time.Now())
	p.upstream, p.meta.Upstream, p.meta.Digest, p.meta.Index = pg.Elapsed, pg.Validators, digest, ixName
	compress(p)
	return &update{kind: k, page: p, project: k.name, files: files, before: before, removal: removal}, nil
}

// checkSerial is the one stale-serial rule: a page whose serial is below
// the stored page's (a lagging CDN node) or below the serial the changelog
// announced is refused. Pages without a serial (-1) pass.
func checkSerial(name string, serial int64, prev *Page, announced int64) error {
	if serial < 0 {
		return nil
	}
	if prev != nil && !prev.notFound && serial < prev.meta.Serial {
		staleSerials.Inc()
		return fmt.Errorf("%s: serial %d < stored %d: %w", name, serial, prev.meta.Serial, errStaleSerial)
	}
	if announced > 0 && serial < announced {
		return fmt.Errorf("%s: serial %d < announced %d: %w", name, serial, announced, errStaleSerial)
	}
	return nil
}

// withPrevious adds to files the previous origins they do not replace.
func withPrevious(prev, files map[string]origin) map[string]origin {
	if len(prev) == 0 {
		return files
	}
	all := maps.Clone(prev)
	maps.Copy(all, files)
	return all
}

// parseProject parses an upstream project page in whichever format it came.
func parseProject(pg *upstream.Page, name string) (*simple.Project, error) {
	proj, err := simple.ParseProjectPage(pg.Body, pg.MediaType, pg.URL, name)
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.KindBadResponse, URL: pg.URL.String(), Err: err}
	}
	proj.Name = name
	if proj.Meta.LastSerial < 0 {
		proj.Meta.LastSerial = pg.Serial
	}
	return proj, nil
}

// relativize turns links that resolved against base's host back into
// relative ones.
func relativize(proj *simple.Project, base *url.URL) {
	for i := range proj.Files {
		u, err := url.Parse(proj.Files[i].URL)
		if err == nil && u.Host == base.Host {
			proj.Files[i].URL = "../.." + u.EscapedPath()
		}
	}
}
