package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// fileCacheControl is what PyPI's file host sends: files never change.
const fileCacheControl = "max-age=365000000, immutable, public"

// handleFile serves /packages/... and their PEP 658 .metadata: from the
// cache, or fetched once from upstream and streamed while it is stored.
func (s *Server) handleFile(c echo.Context) error {
	urlPath := c.Request().URL.Path
	key, err := cache.KeyForPackagePath(urlPath)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "no such file: "+err.Error())
	}
	if s.restricted() {
		if ix := s.index.FileIndex(c.Request().Context(), key); !s.mayRead(c, ix) {
			return s.hidden(c, "", key, ix)
		}
	}
	if s.index.PolicyActive() {
		if err := s.index.CheckFile(c.Request().Context(), key); err != nil {
			return err
		}
	}
	if served, err := s.redirectStored(c, key); served || err != nil {
		return err
	}
	if served, err := s.serveStored(c, key, index.Hit); served || err != nil {
		return err
	}
	return s.serveMiss(c, key)
}

// serveStored serves a published object; served is false when there is none.
func (s *Server) serveStored(c echo.Context, key string, o index.Outcome) (bool, error) {
	obj, err := s.index.Store().Open(c.Request().Context(), key)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	defer obj.Close()
	setOutcome(c, o)
	info := obj.Info()
	setFileHeaders(c, key)
	var content io.ReadSeeker = obj
	if f, ok := obj.(interface{ File() *os.File }); ok {
		content = &sizedFile{f: f.File(), size: info.Size} // no lseeks to learn the size
	}
	if err := s.vetRanges(c, info.Size); err != nil {
		return true, err
	}
	http.ServeContent(sendfileWriter{c.Response()}, c.Request(), "", info.ModTime, content)
	return true, nil
}

// serveMiss fetches the object once from upstream and streams it.
func (s *Server) serveMiss(c echo.Context, key string) error {
	d, joined, err := s.index.StartDownload(c.Request().Context(), key)
	if errors.Is(err, index.ErrNotCachedOffline) {
		setOutcome(c, index.Offline)
	}
	if err != nil {
		return err
	}
	if d == nil { // published meanwhile
		if served, err := s.serveStored(c, key, index.Hit); served || err != nil {
			return err
		}
		return index.ErrNoOrigin
	}
	o := index.Miss
	if joined {
		o = Joined
	}
	setOutcome(c, o)
	if isMetadataKey(key) {
		return s.serveMetadataDownload(c, key, d)
	}
	return s.streamDownload(c, key, d, o)
}

// streamDownload serves a download in flight to one client.
func (s *Server) streamDownload(c echo.Context, key string, d *cache.Download, o index.Outcome) error {
	r := d.Reader()
	defer r.Close()
	start := time.Now()
	select {
	case <-d.Ready():
	case <-s.headerWait(c, d):
	case <-c.Request().Context().Done():
		return c.Request().Context().Err()
	}
	// The upstream time of a miss is the whole download this client
	// waited on, set once it is over (Ready is only the first bytes).
	defer func() { setUpstreamTime(c, time.Since(start)) }()
	if err := d.Err(); err != nil {
		return err
	}
	if d.Size() < 0 || !d.Streaming() || c.Request().Header.Get("Range") != "" {
		// No length to promise, a mirror download without a spool, or a
		// range (a complete 206 must hold verified bytes only): wait for
		// the verified object.
		select {
		case <-d.Done():
		case <-c.Request().Context().Done():
			return c.Request().Context().Err()
		}
		if err := d.Err(); err != nil {
			return err
		}
		if served, err := s.serveStored(c, key, o); served || err != nil {
			return err
		}
		return index.ErrNoOrigin
	}
	setFileHeaders(c, key)
	http.ServeContent(newFlushingWriter(c.Response()), c.Request(), "", time.Now().UTC().Truncate(time.Second), r)
	if err := d.Err(); err != nil && c.Response().Committed {
		// The client saw a short body: the connection is closed by net/http
		// because the promised Content-Length was not met.
		s.log.Warn("aborted a download response", "key", key, "err", err)
	}
	return nil
}

// setFileHeaders sets a file response's headers (its X-Cache is the
// outcome set before).
func setFileHeaders(c echo.Context, key string) {
	h := c.Response().Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", cacheControl(c, fileCacheControl))
	h.Set("ETag", fileETag(key))
	h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(path.Base(key), `"`, "")+`"`)
}

// fileETag is stable across hits and misses: a key names immutable bytes.
func fileETag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// sendfileMax is the largest file sent with sendfile; a larger one is
// copied through a 256 KiB buffer. Measured with wrk against nginx on the
// same tree (bench/files.sh, bench/RESULTS.md; 2 cores, loopback):
// sendfile ran at 0.62-0.85x nginx for 100 MiB and 0.87-0.91x for 8 MiB,
// the buffered copy at 1.02-1.18x and 0.94-1.21x; at 1 MiB both match
// nginx. (A variable: tests lower it.)
var sendfileMax int64 = 4 << 20

// sendfileWriter lets io.Copy reach net/http's ReaderFrom (sendfile)
// through echo's Response, keeping echo's byte count right.
type sendfileWriter struct{ *echo.Response }

func (w sendfileWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.Committed {
		w.WriteHeader(http.StatusOK)
	}
	rf, ok := w.Unwrap().(io.ReaderFrom)
	src, isFile, err := asFile(src)
	if err != nil {
		return 0, err
	}
	if !ok || !isFile {
		return copyStream(w.Response, src)
	}
	if lr, limited := src.(*io.LimitedReader); limited && lr.N > sendfileMax {
		// A large file: a buffered copy (the file's WriteTo hidden, or it
		// would copy through 32 KiB).
		return copyStream(w.Response, struct{ io.Reader }{src})
	}
	// Headers out first: net/http then gives the whole file to sendfile,
	// instead of reading its first 512 bytes through a buffer to sniff a
	// type we have set (a read and a copy per response).
	if f, ok := w.Unwrap().(http.Flusher); ok {
		f.Flush()
	}
	n, err := rf.ReadFrom(src)
	w.Size += n
	return n, err
}
