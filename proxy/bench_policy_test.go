package proxy

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// BenchmarkWarmProjectPagePolicy is BenchmarkWarmProjectPage with two
// indexes (the page probed through a routing rule's miss), a release
// cooldown and, in the auth case, a caller authenticated with HTTP Basic
// against bcrypt and read rules on both indexes. Run both in one go test
// -bench run for the ratio.
func BenchmarkWarmProjectPagePolicy(b *testing.B) {
	for _, withAuth := range []bool{false, true} {
		b.Run(fmt.Sprintf("auth=%v", withAuth), func(b *testing.B) {
			srv := policyServer(b, withAuth)
			req := httptest.NewRequest(http.MethodGet, "/simple/bigproj/", nil)
			req.Header.Set("Accept", pipAccept[len("Accept: "):])
			req.SetBasicAuth("alice", "pw")
			w := &discardWriter{h: http.Header{}}
			srv.Handler().ServeHTTP(w, req)
			if w.code != 200 || w.h.Get("X-PyPI-Proxy-Index") != "pypi" {
				b.Fatalf("%d %v", w.code, w.h)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				clear(w.h)
				srv.Handler().ServeHTTP(w, req)
				if w.code != 200 {
					b.Fatal(w.code)
				}
			}
		})
	}
}

func policyServer(b *testing.B, withAuth bool) *Server {
	private, public := fakepypi.New(fakepypi.Options{}), fakepypi.New(fakepypi.Options{})
	b.Cleanup(private.Close)
	b.Cleanup(public.Close)
	for i := range 40 {
		public.Publish("bigproj", fakepypi.Release{Version: fmt.Sprintf("1.%d.0", i)})
	}
	store, pub := benchDeps(b, public)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	priv, err := upstream.New(upstream.Config{IndexURL: private.IndexURL(), Name: "private", TrustedFileHosts: []string{private.FilesHost()}, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	pubNamed, err := upstream.New(upstream.Config{IndexURL: public.IndexURL(), Name: "pypi", TrustedFileHosts: []string{public.FilesHost()}, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	_ = pub
	router, err := upstream.NewRouted(upstream.RouterConfig{Indexes: []upstream.Index{priv, pubNamed},
		Rules: []upstream.Rule{{Pattern: "acme-*", Index: "private"}}})
	if err != nil {
		b.Fatal(err)
	}
	idx, err := index.New(index.Config{Upstream: router, Store: store, Logger: log,
		Policy: index.Policy{MinReleaseAge: 72 * time.Hour, AllowMissingUploadTime: true}})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Index: idx, Logger: log}
	if withAuth {
		hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.DefaultCost)
		file := filepath.Join(b.TempDir(), "htpasswd")
		if err := os.WriteFile(file, []byte("alice:"+string(hash)+"\n"), 0o600); err != nil {
			b.Fatal(err)
		}
		cfg.Auth = &AuthConfig{HtpasswdFile: file, Readers: map[string][]string{"private": {"alice"}, "pypi": {"*"}}}
	}
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return srv
}
