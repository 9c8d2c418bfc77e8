package proxy

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// Route classes label metrics and access logs.
const (
	routeRoot     = "simple_root"
	routeProject  = "project_page"
	routeFile     = "file"
	routeMetadata = "metadata"
	routeJSONAPI  = "json_api"
	routeOther    = "other"
)

const keyUpstream = "pypi_proxy.upstream"

// routeOf is the class of c's route, from the path it was routed by.
func routeOf(c echo.Context) string {
	switch c.Path() {
	case "/simple/":
		return routeRoot
	case "/simple/:name/":
		return routeProject
	case "/pypi/:name/json", "/pypi/:name/:version/json":
		return routeJSONAPI
	case "/packages/*":
		if strings.HasSuffix(c.Request().URL.Path, ".metadata") {
			return routeMetadata
		}
		return routeFile
	}
	return routeOther
}

// setOutcome records a request's cache outcome where the client and the
// access log both read it: X-Cache (no per-request map of values in the
// echo context, which would cost an allocation on every hit).
func setOutcome(c echo.Context, o index.Outcome) {
	if o == "" {
		delete(c.Response().Header(), "X-Cache")
		return
	}
	c.Response().Header()["X-Cache"] = []string{outcomeHeader(o)}
}

// outcomeHeaders are the X-Cache values of the outcomes, made once.
var outcomeHeaders = func() map[index.Outcome]string {
	m := map[index.Outcome]string{}
	for _, o := range []index.Outcome{index.Hit, index.Miss, index.Revalidated, index.Stale, index.Offline, Joined} {
		m[o] = strings.ToUpper(string(o))
	}
	return m
}()

func outcomeHeader(o index.Outcome) string {
	if h, ok := outcomeHeaders[o]; ok {
		return h
	}
	return strings.ToUpper(string(o))
}

// outcomeOf is the outcome a response's X-Cache records ("" for none).
func outcomeOf(h http.Header) index.Outcome {
	v := h["X-Cache"]
	if len(v) == 0 {
		return ""
	}
	for o, hv := range outcomeHeaders {
		if hv == v[0] {
			return o
		}
	}
	return index.Outcome(strings.ToLower(v[0]))
}

// setUpstreamTime records the upstream time this request waited for.
func setUpstreamTime(c echo.Context, d time.Duration) { c.Set(keyUpstream, d) }

// observe is the middleware that counts every request and writes its
// access-log line, with a request ID (see requestID).
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		accessLog := s.log.Enabled(c.Request().Context(), slog.LevelInfo)
		sent := sentRequestID(c.Request())
		if sent != "" {
			c.Response().Header()["X-Request-Id"] = []string{sent} // canonical already
		}
		err := next(c)
		res := c.Response()
		o := outcomeOf(res.Header()) // before an error answer drops it
		rid := requestID(sent, accessLog)
		if err != nil {
			if sent == "" && rid != "" {
				res.Header()["X-Request-Id"] = []string{rid}
			}
			c.Error(err)
		}
		route := routeOf(c)
		upstreamTime, _ := c.Get(keyUpstream).(time.Duration)
		elapsed := time.Since(start)
		httpRequests.WithLabelValues(route, c.Request().Method, strconv.Itoa(res.Status)).Inc()
		httpDuration.WithLabelValues(route).Observe(elapsed.Seconds())
		httpBytes.WithLabelValues(route).Add(float64(res.Size))
		if o != "" {
			cacheOutcomes.WithLabelValues(route, string(o)).Inc()
		}
		s.activity.record(route, o, c.Request().URL.Path, res.Status, res.Size, elapsed)
		if !accessLog {
			return nil // without boxing the fields of a line nobody writes
		}
		s.log.Info("request", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", res.Status, "bytes", res.Size, "duration", elapsed, "cache", string(o),
			"upstream", upstreamTime, "request_id", rid)
		return nil
	}
}

// sentRequestID is the X-Request-Id the client sent, "" for none or one
// longer than 128 bytes. It is echoed on every answer.
func sentRequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); len(id) <= 128 {
		return id
	}
	return ""
}

// requestID is a request's ID in its access-log line: the one its client
// sent, else one made up (none without the access log, where it leads).
// A made-up ID goes back to the client on error answers only, the ones
// worth finding in the log: on a page hit it would be the ninth header,
// past the 8 entries Go keeps a header map small at (a larger one is
// grown, then cloned by net/http, on every request).
func requestID(sent string, accessLog bool) string {
	switch {
	case sent != "":
		return sent
	case accessLog:
		return newRequestID()
	}
	return ""
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
