package index

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// FileOrigin is where a cached file comes from, as an index page said.
type FileOrigin struct {
	// Key is the file's store key ("web/packages/...").
	Key    string
	URL    string
	SHA256 string
	Size   int64 // -1 when unknown
	// Metadata is set when the page advertised a PEP 658 file, stored at Key+".metadata".
	Metadata       bool
	MetadataSHA256 string
}

// Plan is one project brought up to date, prepared and not yet written:
// the mirror fetches its files (Fetch), then Commits it.
type Plan struct {
	// Project is the normalized name.
	Project string
	// Serial is the new page's serial (-1 when upstream gives none).
	Serial int64
	// Files are the files on the new (filtered) page.
	Files []FileOrigin
	// Removed are the keys of files that left the page; Commit deletes them.
	Removed []string
	// Gone is set when upstream no longer has the project; Commit deletes
	// its pages, files and records.
	Gone bool

	s *Service
	u *update
}

// ErrSerialBehind is a page that stayed below the serial the changelog
// announced after every retry (a lagging upstream cache).
var ErrSerialBehind = errors.New("upstream page stays behind the announced serial")

// Prepare brings a project's page up to date in memory, whatever its age:
// the page must reach minSerial (retried with backoff while upstream
// lags). Nothing is written: the page, the files' origins and the removal
// of the files that left it reach the tree with Commit, once the mirror
// has the files on disk (bandersnatch's order: a static server of the tree
// never links a file that is not there yet).
func (s *Service) Prepare(ctx context.Context, name string, minSerial int64) (*Plan, error) {
	before := s.origins.files(ctx, name)
	u, err := s.prepareAtLeast(ctx, name, minSerial)
	if upstream.IsNotFound(err) {
		return &Plan{Project: name, Serial: -1, Gone: true, Removed: slices.Collect(maps.Keys(before)), s: s}, nil
	}
	if err != nil {
		return nil, err
	}
	u.before = before
	plan := &Plan{Project: name, Serial: u.page.meta.Serial, s: s, u: u}
	for key, o := range u.files {
		plan.Files = append(plan.Files, fileOrigin(key, o))
	}
	for key, o := range before {
		if _, kept := u.files[key]; !kept && o.Removed == "" {
			plan.Removed = append(plan.Removed, key)
		}
	}
	return plan, nil
}

// prepareAtLeast prepares a project page until it reaches minSerial,
// retrying with backoff while upstream lags.
func (s *Service) prepareAtLeast(ctx context.Context, name string, minSerial int64) (*update, error) {
	kind := projectPage{s: s, name: name, minSerial: minSerial}
	for attempt, delay := 0, 500*time.Millisecond; ; attempt, delay = attempt+1, delay*2 {
		u, err := kind.prepare(ctx, s.pages.cached(ctx, kind))
		if !errors.Is(err, errStaleSerial) {
			return u, err
		}
		if attempt == 3 {
			return nil, fmt.Errorf("%s: want serial %d: %w", name, minSerial, ErrSerialBehind)
		}
		staleSerials.Inc()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// Fetch downloads a file of the plan (or its .metadata) that the cache
// lacks, verifies and publishes it, and returns its size; it joins a
// download of it in flight.
func (p *Plan) Fetch(ctx context.Context, key string) (int64, error) {
	if p.u == nil {
		return 0, ErrNoOrigin
	}
	want, fetch, err := p.s.downloadPlan(key, p.u.files)
	if err != nil {
		return 0, err
	}
	return p.s.filler.Publish(ctx, key, want, fetch)
}

// Commit writes a prepared plan: the origins, the page, then the deletion
// of the files that left it (or of the whole project when it is gone).
func (s *Service) Commit(ctx context.Context, p *Plan) error {
	if p.Gone {
		return s.RemoveProject(ctx, p.Project)
	}
	_, err := s.commit(ctx, p.u, s.pages.cached(ctx, p.u.kind))
	return err
}

func fileOrigin(key string, o origin) FileOrigin {
	return FileOrigin{
		Key: key, URL: o.URL, SHA256: o.Hashes["sha256"], Size: o.Size,
		Metadata: o.Metadata, MetadataSHA256: o.MetadataHashes["sha256"],
	}
}

// ProjectFiles returns the recorded origins of a project's files (not
// the tombstones of removed ones).
func (s *Service) ProjectFiles(ctx context.Context, name string) []FileOrigin {
	var out []FileOrigin
	for key, o := range s.origins.files(ctx, name) {
		if o.Removed == "" { // a tombstone has no file to verify
			out = append(out, fileOrigin(key, o))
		}
	}
	return out
}

// FetchFile downloads a recorded file (or its .metadata) the cache lacks,
// verifies and publishes it, and returns its size (verify's repair). It
// does not look in the cache first: the caller has.
func (s *Service) FetchFile(ctx context.Context, key string) (int64, error) {
	want, fetch, err := s.recordedPlan(ctx, key)
	if err != nil {
		if info, serr := s.cfg.Store.Stat(ctx, key); serr == nil {
			return info.Size, nil // present, whatever its record says
		}
		return 0, err
	}
	return s.filler.Publish(ctx, key, want, fetch)
}

// RemoveProject deletes a project's pages, JSON API copies, files and
// records: pages first, so no page links a file while it is deleted.
func (s *Service) RemoveProject(ctx context.Context, name string) error {
	defer s.commits.lock(name)()
	files := s.origins.files(ctx, name)
	errs := []error{s.pages.delete(ctx, projectPage{s: s, name: name})}
	errs = append(errs, s.pages.delete(ctx, jsonAPIPage{s: s, name: name}))
	errs = append(errs, s.cfg.Store.Delete(ctx, cache.JSONKey(name)))
	for key := range files {
		s.deleteFile(ctx, key)
	}
	errs = append(errs, s.cfg.Store.Delete(ctx, cache.ProjectOriginsKey(name)))
	s.origins.drop(name)
	return errors.Join(errs...)
}

// SyncJSONAPI refreshes the project's PyPI JSON API document now
// (web/pypi/<name>/json, file URLs pointing at the tree) and copies it to
// web/json/<name>, as bandersnatch's `json = true` does.
func (s *Service) SyncJSONAPI(ctx context.Context, name string) error {
	kind := jsonAPIPage{s: s, name: name}
	u, err := kind.prepare(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := s.commit(ctx, u, s.pages.cached(ctx, kind)); err != nil {
		return err
	}
	// The page as prepared: it has its body, which the kept one may not.
	return cache.WriteObject(ctx, s.cfg.Store, cache.JSONKey(name), u.page.bodies.b[0][Identity])
}
