package proxy

import (
	"bytes"
	"compress/gzip"
	"strings"
	"sync"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// gzipBodies holds a page's gzip-compressed bodies, made once on first
// demand: pip, uv and poetry all accept gzip, and a compressed page is a
// fifth of the bytes. Files are never compressed (clients hash raw bytes).
type gzipBodies struct {
	once [2]sync.Once
	data [2][]byte
}

// gzipped returns the compressed body of the page in format f.
func (p *page) gzipped(f simple.Format) []byte {
	i, src := 0, p.html
	if f == simple.FormatJSON {
		i, src = 1, p.json
	}
	p.gz.once[i].Do(func() {
		var buf bytes.Buffer
		buf.Grow(len(src)/4 + 64)
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(src)
		zw.Close()
		p.gz.data[i] = buf.Bytes()
	})
	return p.gz.data[i]
}

// gzipETag is the ETag of the gzip representation: a different entity.
func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gzip"` }

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	return false
}
