package proxy

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

func (s *Server) handleJSONAPI(c echo.Context) error {
	name, exact, err := projectName(c)
	if err != nil {
		return err
	}
	version, err := url.PathUnescape(c.Param("version"))
	if err != nil || strings.ContainsAny(version, "/\\") || version == "." || version == ".." || len(version) > 128 {
		return echo.NewHTTPError(http.StatusBadRequest, "invalid version")
	}
	if !exact {
		target := "/pypi/" + name + "/json"
		if version != "" {
			target = "/pypi/" + name + "/" + url.PathEscape(version) + "/json"
		}
		return c.Redirect(http.StatusMovedPermanently, target)
	}
	p, o, err := s.index.JSONAPI(c.Request().Context(), name, version, wantsRevalidation(c.Request()))
	setOutcome(c, o)
	if err != nil {
		return err
	}
	if !s.mayRead(c, p.Index()) {
		return s.hidden(c, name, "", p.Index())
	}
	doc, err := s.index.PageBody(c.Request().Context(), p, simple.FormatJSON)
	if err != nil {
		return err
	}
	origin, scope := s.absoluteBase(c)
	body := bytes.ReplaceAll(doc, []byte(`"/packages/`), []byte(`"`+origin+`/packages/`))
	s.setIndexHeader(c.Response().Header(), p)
	c.Response().Header().Set("Cache-Control", cacheControl(c, fmt.Sprintf("max-age=%d, %s", int(s.index.IndexTTL().Seconds()), scope)))
	return writeBody(c, "application/json", body)
}
