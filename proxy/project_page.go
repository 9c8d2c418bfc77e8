package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"strings"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// localHost stands for the proxy itself when stored pages are parsed: their
// links are relative, and resolve against it.
const localHost = "mirror.invalid"

// projectPage is the pageKind of /simple/<name>/.
type projectPage struct {
	name    string
	up      *upstream.Client
	origins *originBook
	filter  Filter
	log     *slog.Logger
	// minSerial, when > 0, refuses (errStaleSerial) a page below the
	// serial the mirror's changelog announced, before anything is stored.
	minSerial int64
	// mirror: a sync must know when the files' origins did not reach the
	// disk (the lazy proxy goes on from memory).
	mirror bool
}

func (k projectPage) keys() (string, string, string) {
	return cache.ProjectPageKey(k.name, cache.PageV1JSON), cache.ProjectPageKey(k.name, cache.PageV1HTML),
		cache.ProjectPageKey(k.name, cache.PageHTML)
}

func (k projectPage) base() *url.URL {
	return &url.URL{Scheme: "http", Host: localHost, Path: "/simple/" + k.name + "/"}
}

// load reads the stored copies: the JSON when there is one, else the HTML
// of an older bandersnatch mirror, from which the JSON is rendered.
func (k projectPage) load(ctx context.Context, s cache.Store) (*page, error) {
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

func (k projectPage) fetch(ctx context.Context, prev *page) (*page, error) {
	pg, err := k.up.FetchProjectPage(ctx, k.name)
	if err != nil {
		return nil, err
	}
	proj, err := parseProjectPage(pg, k.name)
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.KindBadResponse, URL: pg.URL.String(), Err: err}
	}
	if prev != nil && proj.Meta.LastSerial >= 0 && proj.Meta.LastSerial < prev.serial {
		staleSerials.Inc()
		return nil, fmt.Errorf("%s: serial %d < stored %d: %w", k.name, proj.Meta.LastSerial, prev.serial, errStaleSerial)
	}
	if k.minSerial > 0 && proj.Meta.LastSerial >= 0 && proj.Meta.LastSerial < k.minSerial {
		return nil, fmt.Errorf("%s: serial %d < announced %d: %w", k.name, proj.Meta.LastSerial, k.minSerial, errStaleSerial)
	}
	if k.filter != nil {
		k.filter(proj)
	}
	files := k.localize(proj)
	p := newPage(simple.RenderProjectJSON(proj), simple.RenderProjectHTML(proj), proj.Meta.LastSerial, time.Now())
	p.upstream = pg.Elapsed
	if !k.mirror {
		k.origins.record(ctx, k.name, files) // a failure is logged: the proxy goes on from memory
		return p, nil
	}
	// The mirror writes the page only once its files are on disk: until
	// then the previous page, and its files, stay in force, so the record
	// knows both; SyncProject's Commit narrows it to the new files.
	if err := k.origins.record(ctx, k.name, withPrevious(k.origins.files(ctx, k.name), files)); err != nil {
		return nil, err
	}
	p.synced.Store(&files)
	return p, nil
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

// parseProjectPage parses an upstream page in whichever format it came.
func parseProjectPage(pg *upstream.Page, name string) (*simple.Project, error) {
	var proj *simple.Project
	var err error
	if isJSONPage(pg) {
		proj, err = simple.ParseProjectJSON(pg.Body, pg.URL)
	} else {
		proj, err = simple.ParseProjectHTML(pg.Body, pg.URL, name)
	}
	if err != nil {
		return nil, err
	}
	proj.Name = name
	if proj.Meta.LastSerial < 0 {
		proj.Meta.LastSerial = pg.Serial
	}
	return proj, nil
}

func isJSONPage(pg *upstream.Page) bool {
	switch pg.MediaType {
	case simple.MediaTypeJSONV1, simple.MediaTypeJSONLatest, "application/json":
		return true
	case "":
		return len(pg.Body) > 0 && pg.Body[0] == '{'
	}
	return false
}

// localize points every file at the proxy's own tree and returns the
// origins to remember. A file whose URL or name cannot be stored safely is
// dropped from the page: pip must never see a link the proxy cannot serve.
func (k projectPage) localize(proj *simple.Project) map[string]origin {
	origins := make(map[string]origin, len(proj.Files))
	kept := proj.Files[:0]
	for _, f := range proj.Files {
		u, err := url.Parse(f.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			k.log.Warn("dropping file with an unusable URL", "project", k.name, "file", f.Filename, "url", f.URL)
			continue
		}
		key, err := cache.PackageKey(u, f.Filename, f.Hashes["sha256"])
		if err != nil {
			k.log.Warn("dropping file with an unsafe name", "project", k.name, "file", f.Filename, "err", err)
			continue
		}
		origins[key] = origin{
			Project: k.name, URL: f.URL, Hashes: f.Hashes, Size: f.Size,
			Metadata: f.CoreMetadata.Available, MetadataHashes: f.CoreMetadata.Hashes,
		}
		f.URL = relativeFileURL(key)
		kept = append(kept, f)
	}
	proj.Files = kept
	return origins
}

// relativeFileURL is a file's link from /simple/<name>/, the same link
// bandersnatch writes, so the tree also works under a static server.
func relativeFileURL(key string) string {
	return (&url.URL{Path: "../../" + strings.TrimPrefix(key, "web/")}).EscapedPath()
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
