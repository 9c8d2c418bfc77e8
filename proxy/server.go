// Package proxy is the HTTP side of pypi-proxy: the Simple API, the files,
// the JSON API, health and metrics, served with echo from the index
// service (package proxy/index), which does the caching and the upstream
// work.
package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// Config configures a Server. Zero values are the documented defaults.
type Config struct {
	// Index is the machinery the server answers from. Required.
	Index *index.Service
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
	// RedirectFiles, when the store is a cache.Presigner (S3), answers
	// file hits with a 302 to a presigned URL valid this long instead of
	// streaming them; 0 (the default) streams.
	RedirectFiles time.Duration
	// Auth, when set, checks client credentials and who reads which index.
	Auth *AuthConfig
	// Logger receives logs; nil uses slog.Default().
	Logger *slog.Logger
	// Status adds what the status page (GET /, /status) cannot learn
	// from the index service; every field is optional.
	Status StatusSources
	// Limits are the protections against hostile clients (see limits.go).
	Limits
}

// Server answers pip, uv and poetry over HTTP: routes, handlers, the
// error mapper and observation. Everything else is the index service's.
type Server struct {
	cfg      Config
	index    *index.Service
	echo     *echo.Echo
	ready    readiness
	activity activity
	// access is nil when everyone reads everything.
	access *access
	// indexHeader is the X-PyPI-Proxy-Index header's name when there are
	// several indexes to tell apart, "" with one.
	indexHeader string
	log         *slog.Logger
}

// New builds a Server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Index == nil {
		return nil, errors.New("proxy: Index is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Limits.defaults()
	s := &Server{cfg: cfg, index: cfg.Index, log: cfg.Logger}
	if len(cfg.Index.Upstream().Indexes()) > 1 {
		s.indexHeader = "X-Pypi-Proxy-Index" // canonical, assigned directly
	}
	var err error
	if s.access, err = newAccess(cfg.Auth); err != nil {
		return nil, err
	}
	s.echo = s.routes()
	return s, nil
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
	e.Use(s.authenticate)
	e.Use(s.writeDeadlines)
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
	e.GET("/", s.handleStatusPage)
	e.GET("/status", s.handleStatusJSON)
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

// WaitDownloads blocks until the downloads in flight have finished or ctx
// ends (a graceful shutdown lets them complete into the cache).
func (s *Server) WaitDownloads(ctx context.Context) error { return s.index.Wait(ctx) }
