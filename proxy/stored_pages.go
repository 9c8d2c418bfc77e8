package proxy

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// writeStoredPage sends a page rendering that is not in memory from its
// stored copy, with sendfile where the store has a local file: a page too
// large for the memory budget is never read or parsed per request.
func (s *Server) writeStoredPage(c echo.Context, ctype string, r index.Rendering) error {
	obj, err := s.index.Store().Open(c.Request().Context(), r.Key)
	if errors.Is(err, fs.ErrNotExist) {
		// Replaced or removed since the page was looked up: the next
		// request finds the new version.
		return echo.NewHTTPError(http.StatusServiceUnavailable, "index page changing, try again")
	}
	if err != nil {
		return err
	}
	defer obj.Close()
	c.Response().Header()["Content-Type"] = []string{ctype}
	var content io.ReadSeeker = obj
	if f, ok := obj.(interface{ File() *os.File }); ok {
		content = f.File()
	}
	http.ServeContent(sendfileWriter{c.Response()}, c.Request(), "", time.Time{}, content)
	return nil
}
