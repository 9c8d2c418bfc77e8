package index

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// testService is an index service over a fake upstream with the demo
// projects, on a temp tree.
type testService struct {
	up    *fakepypi.Upstream
	store *cache.FS
	svc   *Service
}

// newTestService builds one; wrap, if set, wraps the service's store
// (fault injection).
func newTestService(t *testing.T, wrap func(cache.Store) cache.Store) *testService {
	t.Helper()
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	fakepypi.PublishDemo(up)
	store, err := cache.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := upstream.New(upstream.Config{
		IndexURL: up.IndexURL(), TrustedFileHosts: []string{up.FilesHost()}, Retries: -1, Timeout: 5 * time.Second, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	var s cache.Store = store
	if wrap != nil {
		s = wrap(store)
	}
	svc, err := New(Config{Upstream: upstream.Single{Index: client}, Store: s, SpoolDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return &testService{up: up, store: store, svc: svc}
}
