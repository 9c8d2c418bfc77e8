package proxy

import (
	"fmt"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// BenchmarkWarmProjectPage serves a warm 40-version page with pip's Accept
// header straight from the handler: no network, to isolate our cost.
func BenchmarkWarmProjectPage(b *testing.B) {
	srv, path := warmServer(b)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", pipAccept[len("Accept: "):])
	b.ReportAllocs()
	b.ResetTimer()
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		srv.Handler().ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatal(w.code)
		}
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler rather than a recorder's buffer.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

func warmServer(b *testing.B) (*Server, string) {
	up := fakepypi.New(fakepypi.Options{})
	b.Cleanup(up.Close)
	for i := range 40 {
		up.Publish("bigproj", fakepypi.Release{Version: fmt.Sprintf("1.%d.0", i)})
	}
	store, client := benchDeps(b, up)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	idx, err := index.New(index.Config{Upstream: upstream.Single{Index: client}, Store: store, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{Index: idx, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/simple/bigproj/", nil)
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatal(w.Code)
	}
	srv.Handler().ServeHTTP(httptest.NewRecorder(), req) // the page is in memory
	return srv, "/simple/bigproj/"
}
