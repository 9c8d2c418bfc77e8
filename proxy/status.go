package proxy

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// StatusSources are what the status page shows beyond the index service
// and the server's own counters. Nil fields are shown as unknown.
type StatusSources struct {
	// Version is the program's version.
	Version string
	// Upstream is the upstream index URL, credentials removed.
	Upstream string
	// CacheSize reports the files in the cache (bytes, count); ok is
	// false while unknown.
	CacheSize func() (bytes, files int64, ok bool)
	// MirrorUpstreamSerial is the upstream serial the running mirror saw
	// last (serve --prefetch); ok is false when none has run.
	MirrorUpstreamSerial func() (serial int64, ok bool)
}

// statusReport is the status page's data, and GET /status's JSON.
type statusReport struct {
	Service   string       `json:"service"`
	Version   string       `json:"version"`
	IndexURL  string       `json:"index_url"`
	Clients   clientLines  `json:"clients"`
	Upstream  upstreamInfo `json:"upstream"`
	Cache     cacheInfo    `json:"cache"`
	Mirror    mirrorInfo   `json:"mirror"`
	Downloads []download   `json:"recent_downloads"`
}

type clientLines struct {
	Pip    string `json:"pip"`
	UV     string `json:"uv"`
	Poetry string `json:"poetry"`
}

type upstreamInfo struct {
	URL     string `json:"url"`
	OK      bool   `json:"ok"`
	State   string `json:"state"` // "ok", "offline" or the error
	Offline bool   `json:"offline"`
}

type cacheInfo struct {
	SizeKnown bool    `json:"size_known"`
	Bytes     int64   `json:"bytes"`
	Files     int64   `json:"files"`
	Requests  int64   `json:"requests"`
	HitRatio  float64 `json:"hit_ratio"`
}

type mirrorInfo struct {
	Mirrored       bool      `json:"mirrored"`
	LastSerial     int64     `json:"last_serial,omitempty"`
	UpstreamSerial int64     `json:"upstream_serial,omitempty"`
	Lag            int64     `json:"lag"`
	LastPass       time.Time `json:"last_pass,omitzero"`
	Pending        int       `json:"pending_projects"`
}

// report gathers the status of the proxy for a request to base (the
// scheme and host the client reached us at).
func (s *Server) report(ctx context.Context, base string) statusReport {
	src := s.cfg.Status
	index := base + "/simple/"
	r := statusReport{
		Service: "pypi-proxy", Version: src.Version, IndexURL: index,
		Clients: clientLines{
			Pip:    "pip install --index-url " + index + " PACKAGE",
			UV:     "UV_DEFAULT_INDEX=" + index + " uv pip install PACKAGE",
			Poetry: "poetry source add --priority=primary proxy " + index,
		},
		Downloads: s.activity.last(),
	}
	ready := s.ready.get(ctx, s)
	r.Upstream = upstreamInfo{URL: src.Upstream, State: ready.Upstream, Offline: s.index.Offline()}
	r.Upstream.OK = ready.Upstream == "ok"
	if src.CacheSize != nil {
		r.Cache.Bytes, r.Cache.Files, r.Cache.SizeKnown = src.CacheSize()
	}
	r.Cache.HitRatio, r.Cache.Requests = s.activity.hitRatio()
	r.Mirror = s.mirrorInfo(ctx)
	return r
}

// mirrorInfo reads the mirror's bandersnatch files from the tree: status
// (the last synced serial), todo (an unfinished pass) and
// web/last-modified (the last pass).
func (s *Server) mirrorInfo(ctx context.Context) mirrorInfo {
	var m mirrorInfo
	store := s.index.Store()
	if data, err := cache.ReadObject(ctx, store, cache.StatusKey); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			m.Mirrored, m.LastSerial = true, n
		}
	}
	if data, err := cache.ReadObject(ctx, store, cache.TodoKey); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			m.Pending++
		}
		m.Pending = max(m.Pending-1, 0) // the first line is the target serial
	}
	if data, err := cache.ReadObject(ctx, store, cache.LastModifiedKey); err == nil {
		if t, err := time.Parse("20060102T15:04:05", strings.TrimSpace(string(data))); err == nil {
			m.LastPass = t
		}
	}
	if f := s.cfg.Status.MirrorUpstreamSerial; f != nil && m.Mirrored {
		if up, ok := f(); ok {
			m.UpstreamSerial, m.Lag = up, max(up-m.LastSerial, 0)
		}
	}
	return m
}

// baseURL is how the client reached us: scheme and Host header.
func baseURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// handleStatusJSON serves GET /status.
func (s *Server) handleStatusJSON(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, s.report(c.Request().Context(), baseURL(c)))
}

// handleStatusPage serves GET /: the status page for people.
func (s *Server) handleStatusPage(c echo.Context) error {
	var buf bytes.Buffer
	if err := statusPage.Execute(&buf, s.report(c.Request().Context(), baseURL(c))); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
