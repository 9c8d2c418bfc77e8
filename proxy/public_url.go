package proxy

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// ParsePublicURL checks a --public-url: an absolute http(s) URL with no
// query or fragment; the returned origin has no trailing slash.
func ParsePublicURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("public URL %q: want an absolute http(s) URL such as https://pypi.internal", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// absoluteBase is the origin absolute URLs in responses start with, and
// the Cache-Control scope that goes with it. With Config.PublicURL it is
// that, shareable; otherwise it comes from the request's Host header, which
// any client controls, so the response is private: a shared cache must not
// hand one client's Host to everyone.
func (s *Server) absoluteBase(c echo.Context) (origin, scope string) {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL, "public"
	}
	return c.Scheme() + "://" + c.Request().Host, "private"
}
