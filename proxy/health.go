package proxy

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"

	"github.com/labstack/echo/v4"
)

// handleHealthz says the process is alive.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the outcome of the last readiness probe, kept briefly so a
// busy load balancer does not turn into upstream traffic.
type readiness struct {
	mu      sync.Mutex
	checked time.Time
	report  readyReport
}

type readyReport struct {
	Ready    bool   `json:"ready"`
	Cache    string `json:"cache"`
	Upstream string `json:"upstream"`
}

// handleReadyz says whether the proxy can do its job: the cache directory
// is writable, and upstream answers (or the proxy is offline).
func (s *Server) handleReadyz(c echo.Context) error {
	r := s.ready.get(c.Request().Context(), s)
	code := http.StatusOK
	if !r.Ready {
		code = http.StatusServiceUnavailable
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(code, r)
}

func (rd *readiness) get(ctx context.Context, s *Server) readyReport {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if time.Since(rd.checked) < 5*time.Second {
		return rd.report
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r := readyReport{Ready: true, Cache: "ok", Upstream: "ok"}
	if err := cache.Check(ctx, s.index.Store()); err != nil {
		r.Ready, r.Cache = false, err.Error()
	} else if err := s.checkWritable(ctx); err != nil {
		r.Ready, r.Cache = false, err.Error()
	}
	switch {
	case s.index.Offline():
		r.Upstream = "offline"
	default:
		if err := s.index.Ping(ctx); err != nil {
			r.Ready, r.Upstream = false, err.Error()
		}
	}
	rd.checked, rd.report = time.Now(), r
	return r
}

// checkWritable writes a probe object and discards it.
func (s *Server) checkWritable(ctx context.Context) error {
	w, err := s.index.Store().Create(ctx, cache.ReadinessProbeKey)
	if err != nil {
		return err
	}
	defer w.Cancel(ctx)
	_, err = w.Write([]byte("ok"))
	return err
}
