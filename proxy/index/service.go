// Package index is the machinery both drivers of pypi-proxy share: the lazy
// proxy (package proxy, HTTP) and the eager mirror (package prefetch). It
// keeps index pages (project pages, the root, PyPI JSON API documents) in
// memory and in the tree, the origin of every file a page linked, and the
// download plans that fetch those files once, verified. A refresh of a
// project is Prepare (fetch, parse, filter, localize: writes nothing) then
// Commit (the one writer).
package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// Config configures a Service. Zero values are the documented defaults.
type Config struct {
	// Upstream picks the index for every project and for the root. Required.
	Upstream upstream.Router
	// Store is the cache tree. Required.
	Store cache.Store
	// IndexTTL is how long a page is served without asking upstream (default 10m).
	IndexTTL time.Duration
	// IndexTTLs overrides IndexTTL for the pages of the indexes it names.
	IndexTTLs map[string]time.Duration
	// RevalidateAfter makes a client's request for a fresh copy (pip's
	// max-age=0) revalidate a page only when it is at least this old; 0
	// (the default) revalidates every time.
	RevalidateAfter time.Duration
	// NotFoundTTL is how long an upstream 404 is remembered (default 1m, at most IndexTTL).
	NotFoundTTL time.Duration
	// Offline serves only what is cached and never contacts upstream.
	Offline bool
	// MemoryBytes is the one budget of every in-memory cache of the
	// service: rendered pages and file origins (default 256 MiB).
	MemoryBytes int64
	// FetchTimeout bounds a shared upstream page fetch (default 2m).
	FetchTimeout time.Duration
	// Filter, when set, edits every project page before it is stored and
	// served: the mirror's filters (pip must never see a link the mirror
	// will not serve).
	Filter Filter
	// RootFromTree serves the root from the listing the mirror writes into
	// the tree, never from upstream.
	RootFromTree bool
	// SpoolDir holds the bytes of downloads in flight (default os.TempDir()).
	SpoolDir string
	// DownloadIdleTimeout aborts an upstream download that stalls (default 60s).
	DownloadIdleTimeout time.Duration
	// DownloadLeaseTTL is the lease of a download on a store several
	// replicas share (cache.Leaser): one replica fetches a file, the others
	// wait for it, and take over this long after the holder died (default
	// cache.DefaultFillLeaseTTL).
	DownloadLeaseTTL time.Duration
	// Allowed, when set, says whether a project may be served at all (the
	// block and allow lists); a project it refuses answers 403 and its
	// cached files are refused too.
	Allowed func(project string) bool
	// Policy is enforced on every page, JSON API document and download
	// (zero: none).
	Policy Policy
	// AllowUnverified serves files whose page gives no usable sha256
	// (streamed, never published); by default they are left out of the
	// pages and refused, so every file served was verified.
	AllowUnverified bool
	// Logger receives logs; nil uses slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() error {
	if c.Upstream == nil || c.Store == nil {
		return errors.New("index: Upstream and Store are required")
	}
	if c.IndexTTL <= 0 {
		c.IndexTTL = 10 * time.Minute
	}
	if c.NotFoundTTL <= 0 {
		c.NotFoundTTL = time.Minute
	}
	c.NotFoundTTL = min(c.NotFoundTTL, c.IndexTTL)
	if c.MemoryBytes <= 0 {
		c.MemoryBytes = 256 << 20
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Filter edits a freshly parsed upstream project page in place, e.g. to
// drop files or releases.
type Filter func(*simple.Project)

// Service is the index machinery over one tree and one set of upstreams.
type Service struct {
	cfg     Config
	pages   *pages
	origins *originBook
	filler  *cache.Filler
	group   singleflight.Group // one upstream refresh per page at a time
	commits keyedMutex         // one commit per page at a time
	extract *extractor         // wheel metadata extraction (metadata.go)
	brotli  *brotliCopies      // made on demand (brotli_lazy.go)
	log     *slog.Logger
	visible sync.Map // visibleKey -> *Page: the root as callers of each set of readable indexes see it
}

// New builds a Service.
func New(cfg Config) (*Service, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	mem := splitMemory(cfg.MemoryBytes)
	origins, err := newOriginBook(cfg.Store, mem.origins, mem.owners, cfg.Logger)
	if err != nil {
		return nil, err
	}
	pg, err := newPages(cfg, mem.pages)
	if err != nil {
		return nil, err
	}
	br, err := newBrotliCopies(mem.brotli)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, origins: origins, pages: pg, extract: newExtractor(), brotli: br}
	s.filler = cache.NewFiller(cfg.Store, cache.FillerOptions{
		SpoolDir:    cfg.SpoolDir,
		IdleTimeout: cfg.DownloadIdleTimeout,
		LeaseTTL:    cfg.DownloadLeaseTTL,
		Logger:      cfg.Logger,
		OnCommit:    s.wheelPublished,
		OnFailure:   func(key string, err error) { downloadFailures.WithLabelValues(failureReason(err)).Inc() },
	})
	return s, nil
}

// Store is the tree the service fills.
func (s *Service) Store() cache.Store { return s.cfg.Store }

// Upstream is the service's router of upstream indexes.
func (s *Service) Upstream() upstream.Router { return s.cfg.Upstream }

// Offline reports whether the service never contacts upstream.
func (s *Service) Offline() bool { return s.cfg.Offline }

// IndexTTL is how long a page is served without asking upstream.
func (s *Service) IndexTTL() time.Duration { return s.cfg.IndexTTL }

// Wait blocks until the downloads in flight have finished or ctx ends.
func (s *Service) Wait(ctx context.Context) error { return s.filler.Wait(ctx) }

// Close aborts the downloads and metadata extractions still in flight,
// leaving nothing partial.
func (s *Service) Close() {
	s.filler.Close()
	s.extract.stop()
}

// Ping checks that every upstream index answers; the error names the ones
// that do not.
func (s *Service) Ping(ctx context.Context) error {
	var errs []error
	for _, ix := range s.cfg.Upstream.Indexes() {
		if err := ix.Ping(ctx); err != nil {
			errs = append(errs, fmt.Errorf("index %s: %w", ix.Name(), err))
		}
	}
	return errors.Join(errs...)
}
