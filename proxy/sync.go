package proxy

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

// The mirror drives the same machinery as the lazy proxy through these
// methods: a page or file it fetches is a hit for the proxy, and the other
// way round.

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

// SyncResult is what SyncProject found.
type SyncResult struct {
	// Serial is the stored page's serial (-1 when upstream gives none).
	Serial int64
	// Files are the files on the stored (filtered) page.
	Files []FileOrigin
	// Removed are the keys of files that left the page; they were deleted.
	Removed []string
	// Gone is set when upstream no longer has the project; its pages,
	// files and records were deleted.
	Gone bool

	commit func(context.Context) error
}

// Commit writes the synced page into the tree, then deletes the files
// that left it. The mirror calls it once the page's files are on disk, so
// a static server of the tree never links a file that is not there yet
// (bandersnatch's order), and a pass that fails before leaves the previous
// page, whose files are all there, in place.
func (r *SyncResult) Commit(ctx context.Context) error {
	if r.commit == nil {
		return nil
	}
	return r.commit(ctx)
}

// ErrSerialBehind is a page that stayed below the serial the changelog
// announced after every retry (a lagging upstream cache).
var ErrSerialBehind = errors.New("upstream page stays behind the announced serial")

// SyncProject refreshes a project now, whatever its age: the page must
// reach minSerial (retried with backoff while upstream lags). The page is
// served from memory at once but reaches the tree, and the files that left
// it are deleted, only with the result's Commit. A project gone upstream
// is removed.
func (s *Server) SyncProject(ctx context.Context, name string, minSerial int64) (*SyncResult, error) {
	before := s.origins.files(ctx, name)
	kind := s.projectKind(name)
	kind.minSerial, kind.mirror = minSerial, true
	p, err := s.refreshAtLeast(ctx, name, kind, minSerial)
	if upstream.IsNotFound(err) {
		return &SyncResult{Serial: -1, Gone: true, Removed: slices.Collect(maps.Keys(before))}, s.RemoveProject(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	after := s.origins.files(ctx, name)
	if synced := p.synced.Swap(nil); synced != nil {
		after = *synced
	}
	res := &SyncResult{Serial: p.serial}
	for key, o := range after {
		res.Files = append(res.Files, fileOrigin(key, o))
	}
	for key := range before {
		if _, kept := after[key]; !kept {
			res.Removed = append(res.Removed, key)
		}
	}
	res.commit = func(ctx context.Context) error { return s.commitSync(ctx, kind, p, after, res.Removed) }
	return res, nil
}

// commitSync writes a synced page, narrows the origins record to its files
// and deletes the files that left it, in that order.
func (s *Server) commitSync(ctx context.Context, kind projectPage, p *page, files map[string]origin, removed []string) error {
	if err := s.pages.storePage(ctx, kind.name, kind, p); err != nil {
		return err
	}
	if err := s.origins.narrow(ctx, kind.name, files); err != nil {
		return err
	}
	for _, key := range removed {
		s.deleteFile(ctx, key)
	}
	return nil
}

// refreshAtLeast fetches a project page (not written: see Commit) until it
// reaches minSerial, retrying with backoff while upstream lags.
func (s *Server) refreshAtLeast(ctx context.Context, name string, kind projectPage, minSerial int64) (*page, error) {
	for attempt, delay := 0, 500*time.Millisecond; ; attempt, delay = attempt+1, delay*2 {
		p, err := s.pages.refreshNow(ctx, name, kind, refreshSyncUnstored)
		if err != nil && !errors.Is(err, errStaleSerial) {
			return nil, err
		}
		if err == nil && (minSerial < 0 || p.serial < 0 || p.serial >= minSerial) {
			return p, nil
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

func fileOrigin(key string, o origin) FileOrigin {
	return FileOrigin{
		Key: key, URL: o.URL, SHA256: o.Hashes["sha256"], Size: o.Size,
		Metadata: o.Metadata, MetadataSHA256: o.MetadataHashes["sha256"],
	}
}

// ProjectFiles returns the recorded origins of a project's files.
func (s *Server) ProjectFiles(ctx context.Context, name string) []FileOrigin {
	var out []FileOrigin
	for key, o := range s.origins.files(ctx, name) {
		out = append(out, fileOrigin(key, o))
	}
	return out
}

// FetchFile downloads a file (or its .metadata) the cache lacks, verifies
// and publishes it, and returns its size; it joins a download of it in
// flight. It does not look in the cache first: the caller has.
func (s *Server) FetchFile(ctx context.Context, key string) (int64, error) {
	want, fetch, err := s.downloadPlan(ctx, key)
	if err != nil {
		if info, serr := s.cfg.Store.Stat(ctx, key); serr == nil {
			return info.Size, nil // present, whatever its record says
		}
		return 0, err
	}
	return s.filler.Fill(ctx, key, want, fetch)
}

// RemoveProject deletes a project's pages, JSON API copies, files and
// records.
func (s *Server) RemoveProject(ctx context.Context, name string) error {
	files := s.origins.files(ctx, name)
	kind := s.projectKind(name)
	jk, v1k, hk := kind.keys()
	var errs []error
	// Pages first: no page links a file while it is being deleted.
	for _, key := range []string{jk, v1k, hk, cache.JSONAPIKey(name), cache.JSONKey(name)} {
		errs = append(errs, s.cfg.Store.Delete(ctx, key))
	}
	s.pages.forget(name)
	s.pages.forget("json:" + name + "/")
	for key := range files {
		s.deleteFile(ctx, key)
	}
	errs = append(errs, s.cfg.Store.Delete(ctx, originsKey(name)))
	s.origins.drop(name)
	return errors.Join(errs...)
}

func (s *Server) deleteFile(ctx context.Context, key string) {
	for _, k := range []string{key, key + ".metadata"} {
		if err := s.cfg.Store.Delete(ctx, k); err != nil {
			s.log.Warn("cannot delete file", "key", k, "err", err)
		}
		if s.cfg.Budget != nil {
			s.cfg.Budget.Removed(k)
		}
	}
}

// SyncJSONAPI refreshes the project's PyPI JSON API document now
// (web/pypi/<name>/json, file URLs pointing at the tree) and copies it to
// web/json/<name>, as bandersnatch's `json = true` does.
func (s *Server) SyncJSONAPI(ctx context.Context, name string) error {
	kind := jsonAPIPage{name: name, up: s.cfg.Upstream, origins: s.origins}
	p, err := s.pages.refreshNow(ctx, "json:"+name+"/", kind, refreshSync)
	if err != nil {
		return err
	}
	return cache.WriteObject(ctx, s.cfg.Store, cache.JSONKey(name), p.json)
}
