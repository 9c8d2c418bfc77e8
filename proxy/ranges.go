package proxy

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// checkRanges vets a Range header before http.ServeContent sees it. It
// returns the header to use ("" serves the whole file) and whether the
// request is unsatisfiable (416). A suffix range of zero bytes
// ("bytes=-0") can be satisfied by no file; ServeContent answered it with
// a 206 and an inverted Content-Range. More than max ranges are ignored
// (the whole file is served): a thousand one-byte ranges made a response
// ~136 times the size of the file.
func checkRanges(h string, max int) (string, bool) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || spec == "" {
		return h, false // not ours to judge: ServeContent ignores or rejects it
	}
	parts := strings.Split(spec, ",")
	if len(parts) > max {
		return "", false
	}
	kept := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if n, isSuffix := strings.CutPrefix(p, "-"); isSuffix {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil && v == 0 {
				continue // a suffix of zero bytes: unsatisfiable
			}
		}
		kept = append(kept, p)
	}
	if len(kept) == 0 {
		return "", true
	}
	return "bytes=" + strings.Join(kept, ","), false
}

// vetRanges applies checkRanges to the request: it rewrites or drops its
// Range header, or answers 416 for a file of size bytes.
func (s *Server) vetRanges(c echo.Context, size int64) error {
	req := c.Request()
	h := req.Header.Get("Range")
	if h == "" {
		return nil
	}
	out, unsat := checkRanges(h, s.cfg.MaxRanges)
	if unsat {
		c.Response().Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		return echo.NewHTTPError(http.StatusRequestedRangeNotSatisfiable, "range not satisfiable")
	}
	if out == "" {
		req.Header.Del("Range")
	} else {
		req.Header.Set("Range", out)
	}
	return nil
}
