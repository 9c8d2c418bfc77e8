package proxy

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// projectName reads and checks the :name parameter. It returns the
// normalized name and whether the request used it as is.
func projectName(c echo.Context) (string, bool, error) {
	raw, err := url.PathUnescape(c.Param("name"))
	if err != nil {
		return "", false, echo.NewHTTPError(http.StatusBadRequest, "malformed project name escape")
	}
	if err := simple.ValidateName(raw); err != nil {
		return "", false, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	norm := simple.Normalize(raw)
	return norm, norm == raw, nil
}

func (s *Server) handleProjectNoSlash(c echo.Context) error {
	name, _, err := projectName(c)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusMovedPermanently, withQuery("/simple/"+name+"/", c.Request().URL.RawQuery))
}

func (s *Server) handleProject(c echo.Context) error {
	name, exact, err := projectName(c)
	if err != nil {
		return err
	}
	if !exact {
		return c.Redirect(http.StatusMovedPermanently, withQuery("/simple/"+name+"/", c.Request().URL.RawQuery))
	}
	format, ctype, err := negotiate(c)
	if err != nil {
		return err
	}
	p, o, err := s.index.Project(c.Request().Context(), name, wantsRevalidation(c.Request()))
	setOutcome(c, o)
	if err != nil {
		return err
	}
	if !s.mayRead(c, p.Index()) {
		return s.hidden(c, name, "", p.Index())
	}
	return s.writePage(c, p, o, format, ctype)
}

func (s *Server) handleRoot(c echo.Context) error {
	format, ctype, err := negotiate(c)
	if err != nil {
		return err
	}
	p, o, err := s.index.Root(c.Request().Context(), wantsRevalidation(c.Request()))
	setOutcome(c, o)
	if err != nil {
		return err
	}
	if s.restricted() {
		c.Set(privateKey, true)
		p = s.index.VisibleRoot(c.Request().Context(), p, func(ix string) bool { return s.mayRead(c, ix) })
	}
	return s.writePage(c, p, o, format, ctype)
}

// negotiate picks the format; every negotiated response, 406 included,
// varies on Accept.
func negotiate(c echo.Context) (simple.Format, string, error) {
	c.Response().Header()["Vary"] = []string{"Accept"}
	var (
		format simple.Format
		ctype  string
		err    error
	)
	if req := c.Request(); req.URL.RawQuery == "" { // no ?format=: skip parsing a query
		format, ctype, err = accepts.negotiate(req.Header.Get("Accept"))
	} else {
		format, ctype, err = simple.Negotiate(req.Header.Get("Accept"), c.QueryParam("format"))
	}
	if err != nil {
		return 0, "", echo.NewHTTPError(http.StatusNotAcceptable, err.Error())
	}
	return format, ctype, nil
}

// wantsRevalidation reports a client asking for a fresh copy (pip sends
// Cache-Control: max-age=0 for index pages).
func wantsRevalidation(r *http.Request) bool {
	cc := strings.ToLower(r.Header.Get("Cache-Control"))
	return strings.Contains(cc, "max-age=0") || strings.Contains(cc, "no-cache") ||
		strings.Contains(strings.ToLower(r.Header.Get("Pragma")), "no-cache")
}

// writePage sends a page, or 304: the rendering in the best coding the
// client accepts, from memory or from its stored copy.
func (s *Server) writePage(c echo.Context, p *index.Page, o index.Outcome, format simple.Format, ctype string) error {
	if o == index.Miss || o == index.Revalidated {
		setUpstreamTime(c, p.UpstreamTime())
	}
	ae := c.Request().Header.Get("Accept-Encoding")
	r := s.index.Rendering(c.Request().Context(), p, format, func(cd index.Coding) bool { return acceptsCoding(ae, cd.String()) })
	h := c.Response().Header()
	// Canonical keys assigned directly: Set would canonicalize each.
	h["Vary"] = []string{"Accept, Accept-Encoding"}
	if r.Coding != index.Identity {
		h["Content-Encoding"] = []string{r.Coding.String()}
	}
	h["Etag"] = []string{r.ETag}
	s.setIndexHeader(h, p)
	if p.Serial() >= 0 {
		h.Set("X-PyPI-Last-Serial", strconv.FormatInt(p.Serial(), 10))
	}
	if o == index.Stale {
		h.Set("Warning", `110 pypi-proxy "Response is Stale"`)
		h.Set("Cache-Control", cacheControl(c, "max-age=0, must-revalidate"))
	} else {
		h.Set("Cache-Control", cacheControl(c, "max-age="+strconv.Itoa(int(s.index.PageTTL(p).Seconds()))+", public"))
	}
	if etagMatches(c.Request().Header.Get("If-None-Match"), r.ETag) {
		h.Del("Content-Encoding")
		return c.NoContent(http.StatusNotModified)
	}
	if r.Body == nil && r.Key != "" {
		return s.writeStoredPage(c, p, ctype, r)
	}
	return writeBody(c, ctype, r.Body)
}

// setIndexHeader names the index that served p, when there are several.
func (s *Server) setIndexHeader(h http.Header, p *index.Page) {
	if s.indexHeader != "" && p.Index() != "" {
		h[s.indexHeader] = []string{p.Index()}
	}
}

// writeBody sends a body from memory with its Content-Length, so it goes
// out in one write instead of chunked.
func writeBody(c echo.Context, ctype string, body []byte) error {
	h := c.Response().Header()
	h["Content-Type"] = []string{ctype}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(body)
	return err
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
