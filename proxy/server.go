// Package proxy is the HTTP side of pypi-proxy: the Simple API, the files,
// the JSON API, health and metrics, served with echo from the cache and the
// upstream client.
package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// Config configures a Server. Zero values are the documented defaults.
type Config struct {
	// Upstream is the client for the upstream index. Required.
	Upstream *upstream.Client
	// Store is the cache tree. Required.
	Store cache.Store
	// IndexTTL is how long a page is served without asking upstream (default 10m).
	IndexTTL time.Duration
	// RevalidateAfter makes a client's Cache-Control: max-age=0 (pip sends
	// it for every page) revalidate a page only when it is at least this
	// old; 0 (the default) revalidates every time. A CI fleet running
	// thousands of pip installs a minute sets a few seconds.
	RevalidateAfter time.Duration
	// NotFoundTTL is how long an upstream 404 is remembered (default 1m, at most IndexTTL).
	NotFoundTTL time.Duration
	// Offline serves only what is cached and never contacts upstream.
	Offline bool
	// MemoryBytes bounds rendered pages held in memory (default 256 MiB).
	MemoryBytes int64
	// FetchTimeout bounds a shared upstream page fetch (default 2m).
	FetchTimeout time.Duration
	// Filter, when set, edits every project page before it is stored and
	// served: the mirror's filters (pip must never see a link the mirror
	// will not serve).
	Filter Filter
	// RootFromTree serves /simple/ from the listing the mirror writes into
	// the tree (serve --prefetch), never from upstream: with filters, the
	// mirror's root lists only what it holds.
	RootFromTree bool
	// Budget, when set, learns of every stored file and access, and keeps
	// the files within its size limit.
	Budget *cache.Budget
	// SpoolDir holds the bytes of downloads in flight (default os.TempDir()).
	SpoolDir string
	// DownloadIdleTimeout aborts an upstream download that stalls (default 60s).
	DownloadIdleTimeout time.Duration
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
	// Logger receives logs; nil uses slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() error {
	if c.Upstream == nil || c.Store == nil {
		return errors.New("proxy: Upstream and Store are required")
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

// Server answers pip, uv and poetry.
type Server struct {
	cfg     Config
	echo    *echo.Echo
	pages   *pages
	origins *originBook
	filler  *cache.Filler
	ready   readiness
	log     *slog.Logger
}

// New builds a Server and its routes.
func New(cfg Config) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	mem, err := ristretto.NewCache(&ristretto.Config[string, *page]{
		NumCounters: 1_000_000,
		MaxCost:     cfg.MemoryBytes,
		BufferItems: 64,
		Metrics:     true,
	})
	if err != nil {
		return nil, err
	}
	origins, err := newOriginBook(cfg.Store, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, origins: origins}
	s.pages = &pages{
		store: cfg.Store, mem: mem, ttl: cfg.IndexTTL, notFoundTTL: cfg.NotFoundTTL, revalidateAfter: cfg.RevalidateAfter,
		offline: cfg.Offline, timeout: cfg.FetchTimeout, log: cfg.Logger,
	}
	s.filler = cache.NewFiller(cfg.Store, cache.FillerOptions{
		SpoolDir:    cfg.SpoolDir,
		IdleTimeout: cfg.DownloadIdleTimeout,
		Logger:      cfg.Logger,
		OnCommit: func(key string, size int64) {
			if cfg.Budget != nil {
				cfg.Budget.Added(key, size)
			}
		},
		OnFailure: func(key string, err error) { downloadFailures.WithLabelValues(failureReason(err)).Inc() },
	})
	s.echo = s.routes()
	return s, nil
}

// Filter edits a freshly parsed upstream project page in place, e.g. to
// drop files or releases.
type Filter func(*simple.Project)

func (s *Server) projectKind(name string) projectPage {
	return projectPage{name: name, up: s.cfg.Upstream, origins: s.origins, filter: s.cfg.Filter, log: s.log}
}

// Wait blocks until the downloads in flight have finished or ctx ends.
func (s *Server) Wait(ctx context.Context) error { return s.filler.Wait(ctx) }

// Close aborts the downloads still in flight, leaving nothing partial.
func (s *Server) Close() { s.filler.Close() }

// pin keeps key from being evicted while it is served.
func (s *Server) pin(key string) func() {
	if s.cfg.Budget == nil {
		return func() {}
	}
	return s.cfg.Budget.Acquire(key)
}

// touch records an access for the LRU.
func (s *Server) touch(key string) {
	if s.cfg.Budget != nil {
		s.cfg.Budget.Touch(key)
	}
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the echo instance, for starting and shutting down.
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// Slow or huge request headers get a timeout or 431, not our memory.
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.MaxHeaderBytes = 64 << 10
	e.Server.IdleTimeout = 2 * time.Minute
	e.HTTPErrorHandler = s.handleError
	e.Use(s.observe)
	e.GET("/simple", redirectTo("/simple/"))
	e.GET("/simple/", s.handleRoot)
	e.GET("/simple/:name", s.handleProjectNoSlash)
	e.GET("/simple/:name/", s.handleProject)
	e.HEAD("/simple/", s.handleRoot)
	e.HEAD("/simple/:name/", s.handleProject)
	e.GET("/pypi/:name/json", s.handleJSONAPI)
	e.GET("/pypi/:name/:version/json", s.handleJSONAPI)
	e.GET("/packages/*", s.handleFile)
	e.HEAD("/packages/*", s.handleFile)
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	if s.cfg.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(s.cfg.Metrics))
	}
	return e
}

func redirectTo(path string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, withQuery(path, c.Request().URL.RawQuery))
	}
}

func withQuery(path, rawQuery string) string {
	if rawQuery == "" {
		return path
	}
	return path + "?" + rawQuery
}
