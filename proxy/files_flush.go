package proxy

import (
	"context"
	"strconv"
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
// response that sends nothing for 15 s. The very last byte is left to
// net/http's final flush, so a client sees its response complete only
// after the handler has finished (and the request is logged and counted).
type flushingWriter struct {
	*echo.Response
	left int64 // body bytes still to come, from Content-Length; -1: unknown
}

func newFlushingWriter(r *echo.Response) *flushingWriter {
	return &flushingWriter{Response: r, left: -1}
}

// WriteHeader sends the headers at once.
func (w *flushingWriter) WriteHeader(code int) {
	if n, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64); err == nil {
		w.left = n
	}
	w.Response.WriteHeader(code)
	w.Response.Flush()
}

// Write sends p at once, but for the body's last byte.
func (w *flushingWriter) Write(p []byte) (int, error) {
	last := w.left >= 0 && int64(len(p)) >= w.left && len(p) > 0
	head := p
	if last {
		head = p[:len(p)-1]
	}
	n, err := w.Response.Write(head)
	if err == nil {
		w.Response.Flush()
	}
	if err == nil && last {
		var m int
		m, err = w.Response.Write(p[len(p)-1:])
		n += m
	}
	if w.left >= 0 {
		w.left -= int64(n)
	}
	return n, err
}
