package proxy

import "github.com/labstack/echo/v4"

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
