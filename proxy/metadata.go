package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// maxUnverifiedMetadata caps a PEP 658 file served without a hash to check
// (held in memory whole): real METADATA files are a few KiB, the largest a
// few hundred.
const maxUnverifiedMetadata = 16 << 20

// isMetadataKey reports whether key is a PEP 658 metadata file.
func isMetadataKey(key string) bool { return strings.HasSuffix(key, ".metadata") }

// serveMetadataDownload serves a PEP 658 metadata file being fetched only
// once the whole of it has arrived and its sha256 matched the page's:
// metadata files are small, so no byte of a bad one ever reaches a client
// (a mismatch is a 502, mapped by mapError, and nothing is cached). A
// metadata file the page advertised without a sha256 is never cached; it
// is served as upstream sent it, whole, like pip reading upstream directly
// would (the index extracts a verified copy from the wheel once the wheel
// is cached, and advertises that one).
func (s *Server) serveMetadataDownload(c echo.Context, key string, d *cache.Download) error {
	r := d.Reader()
	defer r.Close()
	start := time.Now()
	select {
	case <-d.Done():
	case <-c.Request().Context().Done():
		return c.Request().Context().Err()
	}
	setUpstreamTime(c, time.Since(start))
	if err := d.Err(); err != nil {
		return err
	}
	if served, err := s.serveStored(c, key, index.Miss); served || err != nil {
		return err
	}
	if !d.Streaming() {
		return index.ErrNoOrigin
	}
	body, err := io.ReadAll(io.LimitReader(r, maxUnverifiedMetadata+1))
	if err != nil {
		return err
	}
	if len(body) > maxUnverifiedMetadata {
		return fmt.Errorf("%s: unverified metadata over %d bytes: %w", key, maxUnverifiedMetadata, cache.ErrTruncated)
	}
	setFileHeaders(c, key)
	c.Response().Header().Set("Cache-Control", "no-store") // unverified: not for shared caches either
	http.ServeContent(c.Response(), c.Request(), "", time.Now().UTC().Truncate(time.Second), bytes.NewReader(body))
	return nil
}
