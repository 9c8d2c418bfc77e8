package proxy

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// harness is a proxy in front of a fake upstream, on a temp cache dir.
type harness struct {
	t         *testing.T
	up        *fakepypi.Upstream
	dir       string
	wrapStore func(cache.Store) cache.Store
	store     *cache.FS
	srv       *Server
	idx       *index.Service
	budget    *cache.Budget
	http      *httptest.Server
	trusted   []string // file hosts trusted besides the fake's
}

type harnessOpts struct {
	cfg      index.Config  // Upstream and Store are filled in
	budget   *cache.Budget // wraps the store when set
	fakeOpts fakepypi.Options
	dir      string // reuse a cache dir (restart tests)
	up       *fakepypi.Upstream
	noDemo   bool
	// wrapStore, if set, wraps the server's store (fault injection).
	wrapStore func(cache.Store) cache.Store
	// trusted adds file hosts to trust besides the fake's files host.
	trusted []string
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	h := &harness{t: t, up: o.up, dir: o.dir, wrapStore: o.wrapStore, budget: o.budget, trusted: o.trusted}
	if h.up == nil {
		h.up = fakepypi.New(o.fakeOpts)
		t.Cleanup(h.up.Close)
		if !o.noDemo {
			fakepypi.PublishDemo(h.up)
		}
	}
	if h.dir == "" {
		h.dir = t.TempDir()
	}
	h.start(o.cfg)
	return h
}

func (h *harness) start(cfg index.Config) {
	h.t.Helper()
	store, err := cache.NewFS(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.store = store
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := upstream.New(upstream.Config{
		// The timeout only ends a hang: tests hold upstream requests as long as they need.
		IndexURL: h.up.IndexURL(), TrustedFileHosts: append([]string{h.up.FilesHost()}, h.trusted...), Retries: -1, Timeout: time.Minute, Logger: log,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.Upstream, cfg.Store, cfg.Logger = upstream.Single{Index: client}, store, log
	if h.wrapStore != nil {
		cfg.Store = h.wrapStore(store)
	}
	if h.budget != nil {
		cfg.Store = cache.WithBudget(cfg.Store, h.budget)
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = h.t.TempDir()
	}
	idx, err := index.New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	srv, err := New(Config{Index: idx, Logger: log})
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv, h.idx = srv, idx
	h.http = httptest.NewServer(srv.Handler())
	h.t.Cleanup(h.http.Close)
}

// restart stops the proxy and starts a new one on the same cache dir.
func (h *harness) restart(cfg index.Config) {
	h.http.Close()
	h.start(cfg)
}

// get requests path with headers given as "Name: value" strings.
func (h *harness) get(path string, headers ...string) (*http.Response, string) {
	return h.do(http.MethodGet, path, headers...)
}

func (h *harness) do(method, path string, headers ...string) (*http.Response, string) {
	h.t.Helper()
	resp, body, err := h.try(method, path, headers...)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, body
}

// try is do for other goroutines than the test's: it returns its error.
func (h *harness) try(method, path string, headers ...string) (*http.Response, string, error) {
	req, err := http.NewRequest(method, h.http.URL+path, nil)
	if err != nil {
		return nil, "", err
	}
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	client := &http.Client{
		// Identity unless a test asks for gzip: bodies are compared as sent.
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, "", fmt.Errorf("%s %s: reading body: %w", method, path, err)
	}
	return resp, string(body), nil
}

const (
	pipAccept  = "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
	jsonAccept = "Accept: application/vnd.pypi.simple.v1+json"
	htmlAccept = "Accept: text/html"
)

func wantStatus(t *testing.T, resp *http.Response, body string, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Fatalf("%s: status %d, want %d; body: %.300s", resp.Request.URL.Path, resp.StatusCode, code, body)
	}
}
