package proxy

import (
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// smallStoredPage is the largest stored rendering sent from memory: read
// once (and kept, under the memory budget, for the next request), it
// leaves in one write with the headers, where sendfile would need a write
// for the headers and a sendfile for the body. (A variable: tests lower
// it.)
var smallStoredPage int64 = 32 << 10

// writeStoredPage sends a page rendering that is not in the page's memory
// from its stored copy: a small one from memory, a larger one with
// sendfile where the store has a local file. A page is never read whole
// or parsed per request.
func (s *Server) writeStoredPage(c echo.Context, p *index.Page, ctype string, r index.Rendering) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodHead {
		h := c.Response().Header()
		h["Content-Type"] = []string{ctype}
		h["Content-Length"] = []string{strconv.FormatInt(r.Size, 10)}
		return c.NoContent(http.StatusOK)
	}
	if r.Size <= smallStoredPage {
		body, err := s.index.StoredBody(ctx, p, r)
		if err != nil {
			return err
		}
		return writeBody(c, ctype, body)
	}
	obj, err := s.index.OpenRendering(ctx, p, r)
	if err != nil {
		return err
	}
	defer obj.Close()
	h := c.Response().Header()
	h["Content-Type"] = []string{ctype}
	h["Content-Length"] = []string{strconv.FormatInt(r.Size, 10)}
	c.Response().WriteHeader(http.StatusOK)
	var content io.Reader = obj
	if f, ok := obj.(interface{ File() *os.File }); ok {
		// sendfile; the length tells it when to stop (no final call
		// to find the end).
		content = io.LimitReader(f.File(), r.Size)
	}
	// ReadFrom, not io.Copy: io.Copy asks the source first, and an
	// *os.File's WriteTo, finding no socket to splice to, hides the file
	// behind a wrapper, so the copy went through a buffer, not sendfile.
	_, err = sendfileWriter{c.Response()}.ReadFrom(content)
	return err
}
