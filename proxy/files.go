package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// fileCacheControl is what PyPI's file host sends: files never change.
const fileCacheControl = "max-age=365000000, immutable, public"

// errNoOrigin is a file path no parsed index page has linked to.
var errNoOrigin = echo.NewHTTPError(http.StatusNotFound, "not a file listed on any index page this proxy has read")

// handleFile serves /packages/... and their PEP 658 .metadata: from the
// cache, or fetched once from upstream and streamed while it is stored.
func (s *Server) handleFile(c echo.Context) error {
	urlPath := c.Request().URL.Path
	isMeta := strings.HasSuffix(urlPath, ".metadata")
	setRoute(c, routeFile)
	if isMeta {
		setRoute(c, routeMetadata)
	}
	key, err := cache.KeyForPackagePath(urlPath)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "no such file: "+err.Error())
	}
	if served, err := s.serveStored(c, key, outcomeHit); served || err != nil {
		return err
	}
	return s.serveMiss(c, key, isMeta)
}

// serveStored serves a published object; served is false when there is none.
func (s *Server) serveStored(c echo.Context, key string, o outcome) (bool, error) {
	release := s.pin(key)
	defer release()
	obj, err := s.cfg.Store.Open(c.Request().Context(), key)
	if err != nil {
		if isNotExist(err) {
			return false, nil
		}
		return false, err
	}
	defer obj.Close()
	s.touch(key)
	setOutcome(c, o)
	info := obj.Info()
	setFileHeaders(c, key, o)
	var content io.ReadSeeker = obj
	if f, ok := obj.(interface{ File() *os.File }); ok {
		content = f.File()
	}
	http.ServeContent(sendfileWriter{c.Response()}, c.Request(), "", info.ModTime, content)
	return true, nil
}

// serveMiss fetches the object once from upstream and streams it.
func (s *Server) serveMiss(c echo.Context, key string, isMeta bool) error {
	d, joined, err := s.startDownload(c.Request().Context(), key)
	if errors.Is(err, errNotCachedOffline) {
		setOutcome(c, outcomeOffline)
	}
	if err != nil {
		return err
	}
	if d == nil { // published meanwhile
		if served, err := s.serveStored(c, key, outcomeHit); served || err != nil {
			return err
		}
		return errNoOrigin
	}
	if joined {
		coalescedWaiters.WithLabelValues("file").Inc()
	}
	setOutcome(c, outcomeMiss)
	return s.streamDownload(c, key, d)
}

// startDownload joins or starts the download of a file or .metadata key
// whose origin an index page gave. A nil Download means it is published.
func (s *Server) startDownload(ctx context.Context, key string) (*cache.Download, bool, error) {
	want, fetch, err := s.downloadPlan(ctx, key)
	if err != nil {
		return nil, false, err
	}
	return s.filler.Get(ctx, key, want, fetch)
}

// downloadPlan says what a file or .metadata key must be and where it
// comes from; only keys an index page gave have a plan.
func (s *Server) downloadPlan(ctx context.Context, key string) (cache.Expect, cache.Fetch, error) {
	isMeta := strings.HasSuffix(key, ".metadata")
	fileKey := strings.TrimSuffix(key, ".metadata")
	o, ok := s.origins.lookup(ctx, fileKey)
	if !ok || (isMeta && !o.Metadata) {
		return cache.Expect{}, nil, errNoOrigin
	}
	if s.cfg.Offline {
		return cache.Expect{}, nil, errNotCachedOffline
	}
	src, want := o.URL, cache.Expect{SHA256: o.Hashes["sha256"], Size: o.Size}
	if isMeta {
		src, want = o.URL+".metadata", cache.Expect{SHA256: o.MetadataHashes["sha256"], Size: -1}
	}
	fetch := func(ctx context.Context) (io.ReadCloser, int64, error) {
		return s.cfg.Upstream.OpenFile(ctx, src)
	}
	return want, fetch, nil
}

// streamDownload serves a download in flight to one client.
func (s *Server) streamDownload(c echo.Context, key string, d *cache.Download) error {
	r := d.Reader()
	defer r.Close()
	start := time.Now()
	select {
	case <-d.Ready():
	case <-c.Request().Context().Done():
		return c.Request().Context().Err()
	}
	setUpstreamTime(c, time.Since(start))
	if err := d.Err(); err != nil {
		return err
	}
	if d.Size() < 0 || !d.Streaming() {
		// No length to promise, or a mirror download without a spool:
		// wait for the verified object.
		select {
		case <-d.Done():
		case <-c.Request().Context().Done():
			return c.Request().Context().Err()
		}
		if err := d.Err(); err != nil {
			return err
		}
		if served, err := s.serveStored(c, key, outcomeMiss); served || err != nil {
			return err
		}
		return errNoOrigin
	}
	setFileHeaders(c, key, outcomeMiss)
	http.ServeContent(c.Response(), c.Request(), "", time.Now().UTC().Truncate(time.Second), r)
	if err := d.Err(); err != nil && c.Response().Committed {
		// The client saw a short body: the connection is closed by net/http
		// because the promised Content-Length was not met.
		s.log.Warn("aborted a download response", "key", key, "err", err)
	}
	return nil
}

func setFileHeaders(c echo.Context, key string, o outcome) {
	h := c.Response().Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", fileCacheControl)
	h.Set("ETag", fileETag(key))
	h.Set("X-Cache", strings.ToUpper(string(o)))
	h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(path.Base(key), `"`, "")+`"`)
}

// fileETag is stable across hits and misses: a key names immutable bytes.
func fileETag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// sendfileWriter lets io.Copy reach net/http's ReaderFrom (sendfile)
// through echo's Response, keeping echo's byte count right.
type sendfileWriter struct{ *echo.Response }

func (w sendfileWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.Committed {
		w.WriteHeader(http.StatusOK)
	}
	rf, ok := w.Unwrap().(io.ReaderFrom)
	if !ok {
		return io.Copy(w.Response, src)
	}
	n, err := rf.ReadFrom(src)
	w.Size += n
	return n, err
}
