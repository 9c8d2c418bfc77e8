package proxy

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// smallStoredPage is the largest stored rendering sent from a buffer: the
// headers and the body then leave in one write, where sendfile would need
// a write for the headers and a sendfile for the body. (A variable: tests
// lower it.)
var smallStoredPage int64 = 32 << 10

var smallPageBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writeSmall reads a small rendering whole and sends it with its headers.
func writeSmall(c echo.Context, obj io.Reader, size int64) error {
	bp := smallPageBufs.Get().(*[]byte)
	defer smallPageBufs.Put(bp)
	if int64(cap(*bp)) < size {
		*bp = make([]byte, size)
	}
	buf := (*bp)[:size]
	if _, err := io.ReadFull(obj, buf); err != nil {
		return err
	}
	c.Response().WriteHeader(http.StatusOK)
	_, err := c.Response().Write(buf)
	return err
}

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
	h := c.Response().Header()
	h["Content-Type"] = []string{ctype}
	h["Content-Length"] = []string{strconv.FormatInt(obj.Info().Size, 10)}
	if size := obj.Info().Size; size <= smallStoredPage && c.Request().Method != http.MethodHead {
		return writeSmall(c, obj, size)
	}
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	var content io.Reader = obj
	if f, ok := obj.(interface{ File() *os.File }); ok {
		// sendfile; the length tells it when to stop (no final call
		// to find the end).
		content = io.LimitReader(f.File(), obj.Info().Size)
	}
	// ReadFrom, not io.Copy: io.Copy asks the source first, and an
	// *os.File's WriteTo, finding no socket to splice to, hides the file
	// behind a wrapper, so the copy went through a buffer, not sendfile.
	_, err = sendfileWriter{c.Response()}.ReadFrom(content)
	return err
}
