package index

import (
	"bytes"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// Coding is a content coding a page is kept in. Files are never
// compressed (clients hash their raw bytes); pages are: gzip once per
// version (pip, uv and poetry accept it, nginx's gzip_static serves the
// stored copy, and a compressed page is a fifth of the bytes or less),
// brotli on demand (brotli_lazy.go).
type Coding int

// The codings of a page, in the order of the arrays that hold them.
const (
	Identity Coding = iota
	Gzip
	Brotli
	numCodings
)

// String is the coding's Content-Encoding token ("" for identity).
func (c Coding) String() string { return [...]string{"", "gzip", "br"}[c] }

// suffix is what the stored copy in coding c adds to the identity file's
// name: nginx's gzip_static and brotli_static look for the same names.
func (c Coding) suffix() string { return [...]string{"", ".gz", ".br"}[c] }

// largePage is the size above which a page is compressed for speed rather
// than size: PyPI's root (34 MB of JSON) must re-render in well under a
// second of CPU.
const largePage = 4 << 20

// compress adds the gzip copy of every identity body of a page being
// built (before it is shared). Brotli is made on demand.
func compress(p *Page) {
	for i := range p.bodies.b {
		src := p.bodies.b[i][Identity]
		if src == nil {
			continue
		}
		gz := gzipBytes(src)
		p.bodies.b[i][Gzip] = gz
		p.meta.Sizes[i][Gzip] = int64(len(gz))
	}
}

// Compressors are pooled per level: making one allocates its whole
// window and tables (most of the cost for a small page), and a mirror pass
// compresses every page it writes.
var (
	gzipPools   [2]sync.Pool // [0] gzipLevel, [1] BestSpeed
	brotliPools [2]sync.Pool // [0] level 4, [1] level 1
)

// gzipLevel is the level of a page's gzip copy (a large one's is
// BestSpeed). On a typical 20 KB project page (BenchmarkPageGzipLevels)
// level 6 takes a third of level 9's time for 0.5% more bytes; level 4
// saves little more time and makes 6-8% more bytes (more than level 1).
const gzipLevel = 6

func gzipBytes(src []byte) []byte {
	i, level := 0, gzipLevel
	if len(src) > largePage {
		i, level = 1, gzip.BestSpeed
	}
	var buf bytes.Buffer
	buf.Grow(len(src)/4 + 64)
	zw, _ := gzipPools[i].Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, level)
	} else {
		zw.Reset(&buf)
	}
	zw.Write(src)
	zw.Close()
	gzipPools[i].Put(zw)
	return bytes.Clone(buf.Bytes()) // capacity = length: the budget counts capacity
}

func brotliBytes(src []byte) []byte {
	i, level := 0, 4
	if len(src) > largePage {
		i, level = 1, 1
	}
	var buf bytes.Buffer
	buf.Grow(len(src)/5 + 64)
	zw, _ := brotliPools[i].Get().(*brotli.Writer)
	if zw == nil {
		zw = brotli.NewWriterLevel(&buf, level)
	} else {
		zw.Reset(&buf)
	}
	zw.Write(src)
	zw.Close()
	brotliPools[i].Put(zw)
	return bytes.Clone(buf.Bytes())
}

// Rendering is one body of a page ready to send: in memory, or in the
// store under Key (served from there with sendfile).
type Rendering struct {
	Coding Coding
	// ETag is the rendering's strong validator: each coding is its own
	// entity.
	ETag string
	// Body is the rendering in memory; nil when it is to be opened at Key.
	Body []byte
	Key  string
	Size int64
}

// Rendering picks what to send of format f to a client that accepts the
// codings accepts reports, among the renderings the page holds: brotli
// (only an older tree's stored copy), else gzip, else identity.
// Service.Rendering also makes brotli on demand.
func (p *Page) Rendering(f simple.Format, accepts func(Coding) bool) Rendering {
	i := formatIndex(f)
	for _, c := range []Coding{Brotli, Gzip, Identity} {
		if c != Identity && !accepts(c) {
			continue
		}
		r := Rendering{Coding: c, ETag: codingETag(p.meta.ETags[i], c)}
		if p.bodies != nil && p.bodies.b[i][c] != nil {
			r.Body, r.Size = p.bodies.b[i][c], int64(len(p.bodies.b[i][c]))
			return r
		}
		if p.stored && p.keys[i] != "" && (c == Identity || p.meta.Sizes[i][c] > 0) {
			r.Key, r.Size = p.keys[i]+c.suffix(), p.meta.Sizes[i][c]
			return r
		}
	}
	return Rendering{ETag: p.meta.ETags[i]} // a kind without this format: empty
}

// codingETag is the ETag of a compressed rendering: a different entity
// from the identity one.
func codingETag(etag string, c Coding) string {
	if c == Identity || len(etag) < 2 {
		return etag
	}
	return etag[:len(etag)-1] + "-" + c.String() + `"`
}
