package index

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// jsonAPIPage is the page kind of /pypi/<name>/json and
// /pypi/<name>/<version>/json. Stored file URLs are root-relative
// ("/packages/..."); the HTTP layer makes them absolute, since tools that
// read this API expect absolute URLs.
type jsonAPIPage struct {
	s             *Service
	name, version string
}

func (k jsonAPIPage) memKey() string { return "json:" + k.name + "/" + k.version }

func (k jsonAPIPage) keys() (string, string, string) {
	if k.version == "" {
		return cache.JSONAPIKey(k.name), "", ""
	}
	return cache.JSONAPIVersionKey(k.name, k.version), "", ""
}

func (k jsonAPIPage) load(ctx context.Context, s cache.Store) (*Page, error) {
	key, _, _ := k.keys()
	data, info, err := cache.ReadObjectInfo(ctx, s, key)
	if err != nil {
		return nil, err
	}
	p := newPage(data, nil, -1, info.ModTime)
	p.meta.Index = k.s.origins.indexOf(ctx, k.name)
	return p, nil
}

func (k jsonAPIPage) prepare(ctx context.Context, _ *Page) (*update, error) {
	ix := k.s.cfg.Upstream.ForProject(k.name)
	pg, err := ix.FetchJSONAPI(ctx, k.name, k.version)
	if err != nil {
		return nil, err
	}
	ixName := ix.Name()
	if pg.Index != "" {
		ixName = pg.Index
	}
	digest := fetchedDigest(pg)
	if p := revalidated(ctx, pg, digest, ixName); p != nil {
		return &update{kind: k, page: p, unchanged: true}, nil
	}
	out, origins, err := rewriteJSONAPI(pg.Body, k.name, ixName, func(filename, uploadTime string) bool {
		if h := k.s.cfg.Policy.hold(k.name, uploadTime); h != nil {
			k.s.Audit(k.name, filename, ixName, h.Rule)
			return false
		}
		return true
	})
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.KindBadResponse, URL: pg.URL.String(), Err: err}
	}
	p := newPage(out, nil, pg.Serial, time.Now())
	p.upstream, p.meta.Upstream, p.meta.Digest, p.meta.Index = pg.Elapsed, pg.Validators, digest, ixName
	return &update{kind: k, page: p, project: k.name, learned: origins}, nil
}

// rewriteJSONAPI points every file dict ("urls" and "releases") at the
// proxy and returns their origins; files show says no to are left out
// (their origins kept, for the download to say why), and so are the
// releases left with none.
func rewriteJSONAPI(body []byte, project, indexName string, show func(filename, uploadTime string) bool) ([]byte, map[string]origin, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("JSON API document: %w", err)
	}
	origins := map[string]origin{}
	rewrite := func(list any) ([]any, bool) {
		files, _ := list.([]any)
		kept := make([]any, 0, len(files))
		for _, f := range files {
			if file, ok := f.(map[string]any); ok {
				rewriteJSONAPIFile(file, project, indexName, origins)
				filename, _ := file["filename"].(string)
				uploaded, _ := file["upload_time_iso_8601"].(string)
				if !show(filename, uploaded) {
					continue
				}
			}
			kept = append(kept, f)
		}
		return kept, len(files) > 0 && len(kept) == 0
	}
	if _, ok := doc["urls"]; ok {
		doc["urls"], _ = rewrite(doc["urls"])
	}
	if releases, ok := doc["releases"].(map[string]any); ok {
		for v, files := range releases {
			kept, emptied := rewrite(files)
			if emptied {
				delete(releases, v)
			} else {
				releases[v] = kept
			}
		}
	}
	out, err := json.Marshal(doc)
	return out, origins, err
}

func rewriteJSONAPIFile(file map[string]any, project, indexName string, origins map[string]origin) {
	raw, _ := file["url"].(string)
	filename, _ := file["filename"].(string)
	hashes := map[string]string{}
	if digests, ok := file["digests"].(map[string]any); ok {
		for name, v := range digests {
			if s, ok := v.(string); ok && s != "" {
				hashes[name] = s
			}
		}
	}
	key, err := fileKey(raw, filename, hashes["sha256"])
	if err != nil {
		return // left pointing upstream: the proxy will not serve it
	}
	size, _ := file["size"].(float64)
	uploaded, _ := file["upload_time_iso_8601"].(string)
	origins[key] = origin{Project: project, Index: indexName, URL: raw, Hashes: hashes, Size: int64(size), UploadTime: uploaded}
	file["url"] = cache.PackageURLPath(key)
}
