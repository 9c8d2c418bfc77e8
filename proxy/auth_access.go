package proxy

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// userKey holds the authenticated user in the echo context.
const userKey = "pypi-proxy-user"

// access is the checked AuthConfig of a Server.
type access struct {
	cfg   AuthConfig
	creds *credentials
	fails *failures
}

func newAccess(cfg *AuthConfig) (*access, error) {
	if cfg == nil {
		return nil, nil
	}
	if cfg.HtpasswdFile == "" {
		return nil, errors.New("proxy: AuthConfig.HtpasswdFile is required")
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 5
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = time.Minute
	}
	if cfg.ReloadCheck == 0 {
		cfg.ReloadCheck = time.Second
	}
	a := &access{cfg: *cfg, creds: &credentials{file: cfg.HtpasswdFile, recheck: max(cfg.ReloadCheck, 0)},
		fails: &failures{max: cfg.MaxFailures, window: cfg.FailureWindow, byAddr: map[string][]time.Time{}}}
	if _, err := a.creds.check("", ""); err != nil {
		return nil, err // the file must be readable at start
	}
	return a, nil
}

// authenticate checks HTTP Basic credentials when a client sends them
// (wrong ones are 401, rate-limited per address), and asks for them (401)
// when the caller may read nothing anonymously.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := s.access
		path := c.Request().URL.Path
		if a == nil || path == "/healthz" || path == "/readyz" {
			return next(c)
		}
		if user, pass, ok := c.Request().BasicAuth(); ok {
			addr, _, _ := net.SplitHostPort(c.Request().RemoteAddr)
			if a.fails.blocked(addr) {
				return errTooManyFailures
			}
			good, err := a.creds.check(user, pass)
			if err != nil {
				return err
			}
			if !good {
				a.fails.add(addr)
				s.log.Warn("login failed", "user", user, "addr", addr, "path", path)
				return errUnauthorized
			}
			c.Set(userKey, user)
		}
		if path == "/metrics" || path == "/status" || path == "/" {
			if a.cfg.MetricsReaders != nil && !a.isReader(c, a.cfg.MetricsReaders) {
				return s.denied(c)
			}
			// The status page names recent downloads: with private
			// indexes, only for who may read them all.
			if a.cfg.MetricsReaders == nil && path != "/metrics" && !s.mayRead(c, "") {
				return s.denied(c)
			}
			return next(c)
		}
		if c.Get(userKey) == nil && !s.anonymousReadsSomething() {
			return errUnauthorized
		}
		return next(c)
	}
}

// denied is 401 for an anonymous caller (so clients send credentials)
// and 403 for an authenticated one.
func (s *Server) denied(c echo.Context) error {
	if c.Get(userKey) == nil {
		return errUnauthorized
	}
	return echo.NewHTTPError(http.StatusForbidden, "forbidden")
}

// anonymousReadsSomething reports whether some index is read anonymously.
func (s *Server) anonymousReadsSomething() bool {
	for _, ix := range s.index.Upstream().Indexes() {
		if _, restricted := s.access.cfg.Readers[ix.Name()]; !restricted {
			return true
		}
	}
	return false
}

// restricted reports whether some index has read rules.
func (s *Server) restricted() bool { return s.access != nil && len(s.access.cfg.Readers) > 0 }

// mayRead reports whether the caller may read what index serves. An
// unknown index ("") is readable only by who may read every index.
func (s *Server) mayRead(c echo.Context, ix string) bool {
	if !s.restricted() {
		return true
	}
	if ix == "" {
		for _, each := range s.index.Upstream().Indexes() {
			if !s.mayRead(c, each.Name()) {
				return false
			}
		}
		return true
	}
	readers, restricted := s.access.cfg.Readers[ix]
	if restricted {
		c.Set(privateKey, true) // the answer depends on the caller
	}
	return !restricted || s.access.isReader(c, readers)
}

// isReader reports whether the caller is one of readers.
func (a *access) isReader(c echo.Context, readers []string) bool {
	user, _ := c.Get(userKey).(string)
	if user == "" {
		return false
	}
	for _, r := range readers {
		if group, ok := strings.CutPrefix(r, "@"); ok {
			if slices.Contains(a.cfg.Groups[group], user) {
				return true
			}
		} else if r == "*" || r == user {
			return true
		}
	}
	return false
}

// hidden is what a project the caller may not read answers: exactly
// what a project that does not exist answers.
func (s *Server) hidden(c echo.Context, project, file, ix string) error {
	s.index.Audit(project, file, ix, index.RuleReadDenied)
	if file != "" {
		return index.ErrNoOrigin
	}
	return &upstream.Error{Kind: upstream.KindNotFound, Status: http.StatusNotFound, URL: project}
}

// privateKey marks a response that depends on the caller.
const privateKey = "pypi-proxy-private"

// cacheControl makes a public Cache-Control private when the response
// depends on the caller, so no shared cache hands it to someone else.
func cacheControl(c echo.Context, v string) string {
	if c.Get(privateKey) == nil {
		return v
	}
	if strings.Contains(v, "public") {
		return strings.Replace(v, "public", "private", 1)
	}
	return "private, " + v
}
