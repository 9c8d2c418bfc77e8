package index

import (
	"bytes"
	"compress/gzip"
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

// Gzipped returns the compressed body of the page in format f.
func (p *Page) Gzipped(f simple.Format) []byte {
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
