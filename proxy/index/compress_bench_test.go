package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// typicalPage is a project page of 18 releases, a wheel and an sdist each,
// with hashes and metadata: about 20 KB of JSON, like bench/pages.sh's.
func typicalPage() (json, html []byte) {
	p := &simple.Project{Name: "genpkg-000000", Meta: simple.Meta{APIVersion: "1.3", LastSerial: 75}}
	yes := true
	for v := range 18 {
		version := fmt.Sprintf("1.0.%d", v)
		p.Versions = append(p.Versions, version)
		for _, name := range []string{"genpkg_000000-" + version + "-py3-none-any.whl", "genpkg_000000-" + version + ".tar.gz"} {
			sum := sha256.Sum256([]byte(name))
			meta := sha256.Sum256(append([]byte(name), 'm'))
			h := hex.EncodeToString(sum[:])
			p.Files = append(p.Files, simple.File{
				Filename: name, URL: "../../packages/" + h[:2] + "/" + h[2:4] + "/" + h[4:] + "/" + name,
				Hashes: map[string]string{"sha256": h}, RequiresPython: ">=3.8", Size: int64(1000 + 37*v),
				UploadTime:   fmt.Sprintf("2024-01-%02dT10:00:00.000000Z", 1+v%28),
				CoreMetadata: simple.CoreMetadata{Available: true, Hashes: map[string]string{"sha256": hex.EncodeToString(meta[:])}},
				GPGSig:       &yes,
			})
		}
	}
	return simple.RenderProjectJSON(p), simple.RenderProjectHTML(p)
}

// BenchmarkPageGzipLevels: what each gzip level costs on a typical page,
// and the size it makes (gzip_static sends the stored copy as is); brotli
// at the level used for pages, for comparison.
func BenchmarkPageGzipLevels(b *testing.B) {
	json, html := typicalPage()
	for _, level := range []int{gzip.BestCompression, gzipLevel, 5, 4, gzip.BestSpeed} {
		for _, page := range []struct {
			name string
			body []byte
		}{{"json", json}, {"html", html}} {
			b.Run(fmt.Sprintf("level=%d/%s", level, page.name), func(b *testing.B) {
				var buf bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&buf, level)
				b.SetBytes(int64(len(page.body)))
				for b.Loop() {
					buf.Reset()
					zw.Reset(&buf)
					zw.Write(page.body)
					zw.Close()
				}
				b.ReportMetric(float64(buf.Len()), "gz-bytes")
				b.ReportMetric(float64(len(page.body)), "page-bytes")
			})
		}
	}
	b.Run("brotli=4/json", func(b *testing.B) {
		b.SetBytes(int64(len(json)))
		var out []byte
		for b.Loop() {
			out = brotliBytes(json)
		}
		b.ReportMetric(float64(len(out)), "br-bytes")
	})
}
