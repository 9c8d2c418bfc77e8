package proxy

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// handleError is the one error-to-HTTP mapper: handlers return errors and
// never write error bodies themselves.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// Mid-body failures are handled where the body is written.
		return
	}
	code, msg, cacheControl := mapError(err)
	// The outcome the handler recorded is the access log's: an error
	// answer does not tell (a page hidden from the caller looks like one
	// that does not exist).
	delete(c.Response().Header(), "X-Cache")
	if code == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Basic realm="pypi-proxy"`)
	}
	if code >= 500 {
		s.log.Warn("request failed", "path", c.Request().URL.Path, "status", code, "err", err)
	}
	c.Response().Header().Set("Cache-Control", cacheControl)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	_ = c.String(code, msg+"\n")
}

// mapError picks the status, message and Cache-Control for an error. An
// upstream failure is never a 404: pip would take it as "no such project".
func mapError(err error) (int, string, string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code, fmt.Sprint(he.Message), "no-store"
	}
	var ue *upstream.Error
	if errors.As(err, &ue) {
		switch ue.Kind {
		case upstream.KindNotFound:
			return http.StatusNotFound, "not found upstream", "max-age=60"
		case upstream.KindTimeout:
			return http.StatusGatewayTimeout, "upstream timed out: " + err.Error(), "no-store"
		case upstream.KindUnavailable:
			if ue.Status == http.StatusServiceUnavailable {
				return http.StatusServiceUnavailable, "upstream unavailable: " + err.Error(), "no-store"
			}
			return http.StatusBadGateway, "upstream unavailable: " + err.Error(), "no-store"
		default:
			return http.StatusBadGateway, "bad upstream response: " + err.Error(), "no-store"
		}
	}
	switch {
	case errors.Is(err, cache.ErrHashMismatch), errors.Is(err, cache.ErrTruncated), errors.Is(err, cache.ErrTooLarge):
		return http.StatusBadGateway, "bad upstream file: " + err.Error(), "no-store"
	case errors.Is(err, cache.ErrStalled):
		return http.StatusGatewayTimeout, "upstream stalled: " + err.Error(), "no-store"
	case errors.Is(err, cache.ErrLeaseLost):
		// Another replica holds the download now: a retry is served from it.
		return http.StatusServiceUnavailable, "download handed to another replica, retry: " + err.Error(), "no-store"
	case errors.Is(err, index.ErrPageChanged):
		return http.StatusServiceUnavailable, err.Error(), "no-store"
	}
	if errors.Is(err, index.ErrUnverifiable) {
		return http.StatusBadGateway, err.Error(), "no-store"
	}
	var held *index.Held
	var gone *index.Gone
	switch {
	case errors.As(err, &held):
		return http.StatusForbidden, held.Reason, "no-store"
	case errors.As(err, &gone):
		return http.StatusGone, gone.Reason, "max-age=60"
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized, err.Error(), "no-store"
	case errors.Is(err, errTooManyFailures):
		return http.StatusTooManyRequests, err.Error(), "no-store"
	}
	if errors.Is(err, index.ErrNoOrigin) {
		return http.StatusNotFound, err.Error(), "no-store"
	}
	if errors.Is(err, index.ErrNotCachedOffline) {
		return http.StatusGatewayTimeout, err.Error(), "no-store"
	}
	return http.StatusInternalServerError, "internal error", "no-store"
}
