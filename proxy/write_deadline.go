package proxy

import (
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// writeChunk is the most one write may move under one deadline: a client
// must take a chunk every Config.WriteTimeout (64 KiB a minute by default,
// ~1 KiB/s) to keep its connection.
const writeChunk = 64 << 10

// writeDeadlines is the middleware that gives every response a write
// timeout that runs from the last progress, not from the request's start:
// each write (each writeChunk of a sendfile) gets WriteTimeout to finish.
// A client that stops reading loses its connection after WriteTimeout; an
// honest slow client on a large file keeps it as long as it reads.
func (s *Server) writeDeadlines(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.cfg.WriteTimeout <= 0 {
			return next(c)
		}
		w := c.Response().Writer
		dw := &deadlineWriter{ResponseWriter: w, rc: *http.NewResponseController(w), timeout: s.cfg.WriteTimeout}
		dw.extend()
		c.Response().Writer = dw
		return next(c)
	}
}

// deadlineWriter extends the connection's write deadline before every write.
type deadlineWriter struct {
	http.ResponseWriter
	rc       http.ResponseController
	timeout  time.Duration
	extended time.Time // when the deadline was last moved
}

// extend gives the next write the timeout. A deadline moved less than
// 1/64 of the timeout ago stands (the write still gets 63/64 of it): a
// small page's one write then costs no second change of the deadline.
func (w *deadlineWriter) extend() {
	now := time.Now()
	if now.Sub(w.extended) < w.timeout/64 {
		return
	}
	w.extended = now
	_ = w.rc.SetWriteDeadline(now.Add(w.timeout))
}

// WriteHeader moves the deadline too: a response with no body (a 304
// after a long upstream wait) is written when the handler returns.
func (w *deadlineWriter) WriteHeader(code int) {
	w.extend()
	w.ResponseWriter.WriteHeader(code)
}

// Write writes p within the timeout.
func (w *deadlineWriter) Write(p []byte) (int, error) {
	var done int
	for len(p) > 0 {
		w.extend()
		n, err := w.ResponseWriter.Write(p[:min(len(p), writeChunk)])
		done += n
		if err != nil {
			return done, err
		}
		p = p[n:]
	}
	return done, nil
}

// Flush sends what is buffered within the timeout.
func (w *deadlineWriter) Flush() {
	w.extend()
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom keeps sendfile (a limited *os.File reaches net/http as it is)
// while giving each writeChunk its own deadline.
func (w *deadlineWriter) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.CopyBuffer(writerOnly{w}, src, make([]byte, writeChunk))
	}
	lr, ok := src.(*io.LimitedReader)
	if !ok {
		lr = &io.LimitedReader{R: src, N: 1<<63 - 1}
	}
	var total int64
	for lr.N > 0 {
		w.extend()
		chunk := &io.LimitedReader{R: lr.R, N: min(lr.N, writeChunk)}
		n, err := rf.ReadFrom(chunk)
		total += n
		lr.N -= n
		if err != nil {
			return total, err
		}
		if n == 0 {
			break // the source is done
		}
	}
	return total, nil
}

// writerOnly hides ReadFrom, so io.Copy does not loop back into it.
type writerOnly struct{ io.Writer }
