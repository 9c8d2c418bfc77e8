package proxy

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// headerWait fires after Limits.HeaderWait when a miss may answer before
// upstream does: a plain GET of a streamed download whose size the page
// gave. Its headers go out then, and the body follows as it arrives (a cut
// body, never a complete one, if upstream then fails); pip gives up on a
// response that sends nothing for 15 s. Otherwise it never fires.
func (s *Server) headerWait(c echo.Context, d *cache.Download) <-chan time.Time {
	if s.cfg.HeaderWait <= 0 || !d.Streaming() || d.Size() < 0 || c.Request().Header.Get("Range") != "" {
		return nil
	}
	t := time.NewTimer(s.cfg.HeaderWait)
	context.AfterFunc(c.Request().Context(), func() { t.Stop() })
	return t.C
}

// flushingWriter sends a streamed miss on to the client as it arrives:
// the response headers as soon as they are written, and every body write
// at once. Without it, net/http's 4 KiB buffer held the headers of a miss
// from a trickling upstream (1 byte/s) for minutes, and pip gives up on a
// response that sends nothing for 15 s.
type flushingWriter struct{ *echo.Response }

// WriteHeader sends the headers at once.
func (w flushingWriter) WriteHeader(code int) {
	w.Response.WriteHeader(code)
	w.Response.Flush()
}

// Write sends p at once.
func (w flushingWriter) Write(p []byte) (int, error) {
	n, err := w.Response.Write(p)
	if err == nil {
		w.Response.Flush()
	}
	return n, err
}
