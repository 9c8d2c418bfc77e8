package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// jsonAPIPage is the pageKind of /pypi/<name>/json and
// /pypi/<name>/<version>/json. Stored file URLs are root-relative
// ("/packages/..."); they are made absolute when served, since tools that
// read this API expect absolute URLs.
type jsonAPIPage struct {
	name, version string
	up            *upstream.Client
	origins       *originBook
}

func (k jsonAPIPage) keys() (string, string, string) {
	if k.version == "" {
		return "web/pypi/" + k.name + "/json", "", ""
	}
	return "web/pypi/" + k.name + "/" + k.version + "/json", "", ""
}

func (k jsonAPIPage) load(ctx context.Context, s cache.Store) (*page, error) {
	key, _, _ := k.keys()
	data, info, err := cache.ReadObjectInfo(ctx, s, key)
	if err != nil {
		return nil, err
	}
	return newPage(data, nil, -1, info.ModTime), nil
}

func (k jsonAPIPage) fetch(ctx context.Context, _ *page) (*page, error) {
	pg, err := k.up.FetchJSONAPI(ctx, k.name, k.version)
	if err != nil {
		return nil, err
	}
	out, origins, err := rewriteJSONAPI(pg.Body, k.name)
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.KindBadResponse, URL: pg.URL.String(), Err: err}
	}
	k.origins.add(ctx, k.name, origins)
	p := newPage(out, nil, pg.Serial, time.Now())
	p.upstream = pg.Elapsed
	return p, nil
}

// rewriteJSONAPI points every file dict ("urls" and "releases") at the
// proxy and returns their origins.
func rewriteJSONAPI(body []byte, project string) ([]byte, map[string]origin, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("JSON API document: %w", err)
	}
	origins := map[string]origin{}
	rewrite := func(list any) {
		files, _ := list.([]any)
		for _, f := range files {
			if file, ok := f.(map[string]any); ok {
				rewriteJSONAPIFile(file, project, origins)
			}
		}
	}
	rewrite(doc["urls"])
	if releases, ok := doc["releases"].(map[string]any); ok {
		for _, files := range releases {
			rewrite(files)
		}
	}
	out, err := json.Marshal(doc)
	return out, origins, err
}

func rewriteJSONAPIFile(file map[string]any, project string, origins map[string]origin) {
	raw, _ := file["url"].(string)
	filename, _ := file["filename"].(string)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return
	}
	hashes := map[string]string{}
	if digests, ok := file["digests"].(map[string]any); ok {
		for name, v := range digests {
			if s, ok := v.(string); ok && s != "" {
				hashes[name] = s
			}
		}
	}
	key, err := cache.PackageKey(u, filename, hashes["sha256"])
	if err != nil {
		return
	}
	size, _ := file["size"].(float64)
	origins[key] = origin{Project: project, URL: raw, Hashes: hashes, Size: int64(size)}
	file["url"] = "/" + strings.TrimPrefix(key, "web/")
}

func (s *Server) handleJSONAPI(c echo.Context) error {
	setRoute(c, routeJSONAPI)
	name, exact, err := projectName(c)
	if err != nil {
		return err
	}
	version, err := url.PathUnescape(c.Param("version"))
	if err != nil || strings.ContainsAny(version, "/\\") || version == "." || version == ".." || len(version) > 128 {
		return echo.NewHTTPError(http.StatusBadRequest, "invalid version")
	}
	if !exact {
		target := "/pypi/" + name + "/json"
		if version != "" {
			target = "/pypi/" + name + "/" + url.PathEscape(version) + "/json"
		}
		return c.Redirect(http.StatusMovedPermanently, target)
	}
	kind := jsonAPIPage{name: name, version: version, up: s.cfg.Upstream, origins: s.origins}
	key := "json:" + name + "/" + version
	p, o, err := s.pages.get(c.Request().Context(), key, kind, wantsRevalidation(c.Request()))
	setOutcome(c, o)
	if err != nil {
		return err
	}
	origin := c.Scheme() + "://" + c.Request().Host
	body := bytes.ReplaceAll(p.json, []byte(`"/packages/`), []byte(`"`+origin+`/packages/`))
	c.Response().Header().Set("X-Cache", strings.ToUpper(string(o)))
	c.Response().Header().Set("Cache-Control", fmt.Sprintf("max-age=%d, public", int(s.cfg.IndexTTL.Seconds())))
	return writeBody(c, "application/json", body)
}
