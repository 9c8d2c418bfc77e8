package proxy

import (
	"io"
	"log/slog"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

func benchDeps(b *testing.B, up *fakepypi.Upstream) (cache.Store, *upstream.Client) {
	store, err := cache.NewFS(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	client, err := upstream.New(upstream.Config{IndexURL: up.IndexURL(), TrustedFileHosts: []string{up.FilesHost()}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return store, client
}
