package index

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/url"
	"strings"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// carryExtracted gives the files of a fresh page that upstream still
// offers no verifiable metadata for the metadata the proxy extracted
// earlier (as record says). It edits files in place and reports whether
// it gave any.
func carryExtracted(files, record map[string]origin) bool {
	carried := false
	for key, o := range files {
		prev, ok := record[key]
		if !ok || !prev.MetadataExtracted || upstreamMetadataVerifiable(o) || o.MetadataExtracted {
			continue
		}
		o.Metadata, o.MetadataHashes, o.MetadataExtracted = true, maps.Clone(prev.MetadataHashes), true
		files[key] = o
		carried = true
	}
	return carried
}

// adoptExtracted advertises, on the files of proj, the extracted metadata
// files records: core-metadata with its sha256 (rendered as
// data-core-metadata and data-dist-info-metadata in HTML). It reports
// whether the page changed.
func adoptExtracted(proj *simple.Project, files map[string]origin) bool {
	changed := false
	for i := range proj.Files {
		f := &proj.Files[i]
		o, ok := files[linkKey(f.URL)]
		if !ok || !o.MetadataExtracted {
			continue
		}
		sum := o.MetadataHashes["sha256"]
		if f.CoreMetadata.Available && f.CoreMetadata.Hashes["sha256"] == sum {
			continue
		}
		f.CoreMetadata = simple.CoreMetadata{Available: true, Hashes: map[string]string{"sha256": sum}}
		changed = true
	}
	return changed
}

// linkKey is the store key a localized link points at ("" if none).
func linkKey(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	key, err := cache.KeyForPackagePath(strings.TrimPrefix(u.Path, "../.."))
	if err != nil {
		return ""
	}
	return key
}

// withExtracted re-renders page p with the extracted metadata that files
// record; changed is false (and p returned) when p advertises it already.
func (k projectPage) withExtracted(ctx context.Context, p *Page, files map[string]origin) (*Page, bool, error) {
	js, err := k.s.PageBody(ctx, p, simple.FormatJSON)
	if err != nil {
		return nil, false, err
	}
	proj, err := simple.ParseProjectJSON(js, k.base())
	if err != nil {
		return nil, false, err
	}
	relativize(proj, k.base())
	if !adoptExtracted(proj, files) {
		return p, false, nil
	}
	np := newPage(simple.RenderProjectJSON(proj), simple.RenderProjectHTML(proj), p.meta.Serial, p.fetched)
	// Upstream's own version is the same: a revalidation keeps this page.
	np.upstream, np.meta.Upstream, np.meta.Digest = p.upstream, p.meta.Upstream, p.meta.Digest
	compress(np)
	return np, true, nil
}

// reconcileExtracted runs at the start of a project page's commit, under
// its lock. An extraction that landed after the update was prepared is
// carried into it (and its page re-rendered), so the commit does not drop
// it; a locally extracted metadata file is deleted when upstream now
// offers its own with another sha256 (the page will advertise upstream's).
func (s *Service) reconcileExtracted(ctx context.Context, u *update) {
	if u.files == nil {
		return
	}
	current := s.origins.files(ctx, u.project)
	if carryExtracted(u.files, current) {
		if np, changed, err := (projectPage{s: s, name: u.project}).withExtracted(ctx, u.page, u.files); err != nil {
			s.log.Warn("cannot advertise extracted metadata", "project", u.project, "err", err)
		} else if changed {
			u.page = np
		}
	}
	for key, o := range u.files {
		prev, ok := current[key]
		if ok && prev.MetadataExtracted && upstreamMetadataVerifiable(o) && o.MetadataHashes["sha256"] != prev.MetadataHashes["sha256"] {
			if err := s.cfg.Store.Delete(ctx, cache.MetadataKey(key)); err != nil {
				s.log.Warn("cannot delete extracted metadata", "key", key, "err", err)
			}
		}
	}
}

// extractedPlan is the download plan of a metadata file the proxy
// extracted: extracted again from the cached wheel (fetched first, verified,
// if it is gone), checked against the recorded sha256.
func (s *Service) extractedPlan(fileKey string, o origin) (cache.Expect, cache.Fetch) {
	want := cache.Expect{SHA256: o.MetadataHashes["sha256"], Size: -1}
	fetch := func(ctx context.Context) (io.ReadCloser, int64, error) {
		md, err := storedWheelMetadata(ctx, s.cfg.Store, fileKey)
		if isNotExist(err) && s.cfg.Offline {
			err = ErrNotCachedOffline
		} else if isNotExist(err) {
			wheelWant, wheelFetch, perr := s.downloadPlan(fileKey, map[string]origin{fileKey: o})
			if perr != nil {
				return nil, 0, perr
			}
			if _, err = s.filler.Publish(ctx, fileKey, wheelWant, wheelFetch); err == nil {
				md, err = storedWheelMetadata(ctx, s.cfg.Store, fileKey)
			}
		}
		if err != nil {
			return nil, 0, err
		}
		return io.NopCloser(bytes.NewReader(md)), int64(len(md)), nil
	}
	return want, fetch
}
