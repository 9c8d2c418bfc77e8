package prefetch_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// env is a fake upstream and a mirror directory.
type env struct {
	t   *testing.T
	up  *fakepypi.Upstream
	dir string
	// configure adjusts every Mirror's config (filters, workers).
	configure func(*prefetch.Config, *index.Config)
	// client adjusts the upstream client's config (credentials, CA).
	client func(*upstream.Config)
}

func newEnv(t *testing.T, opts fakepypi.Options) *env {
	t.Helper()
	up := fakepypi.New(opts)
	t.Cleanup(up.Close)
	return &env{t: t, up: up, dir: t.TempDir()}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// mirror builds a fresh server and Mirror over the directory, as a new
// process would.
func (e *env) mirror() (*prefetch.Mirror, *index.Service, *cache.FS) {
	e.t.Helper()
	store, err := cache.NewFS(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	ucfg := upstream.Config{IndexURL: e.up.IndexURL(), TrustedFileHosts: []string{e.up.FilesHost()}, Retries: -1, Logger: quietLogger()}
	if e.client != nil {
		e.client(&ucfg)
	}
	up, err := upstream.New(ucfg)
	if err != nil {
		e.t.Fatal(err)
	}
	icfg := index.Config{Upstream: upstream.Single{Index: up}, Store: store, SpoolDir: e.t.TempDir(), Logger: quietLogger()}
	mcfg := prefetch.Config{Workers: 4, Logger: quietLogger(), ProgressInterval: -1}
	if e.configure != nil {
		e.configure(&mcfg, &icfg)
	}
	srv, err := index.New(icfg)
	if err != nil {
		e.t.Fatal(err)
	}
	mcfg.Index = srv
	m, err := prefetch.New(mcfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return m, srv, store
}

// sync runs one pass and fails the test on an error.
func (e *env) sync() prefetch.Stats {
	e.t.Helper()
	st, err := e.trySync()
	if err != nil {
		e.t.Fatalf("sync: %v (stats %+v)", err, st)
	}
	return st
}

func (e *env) trySync() (prefetch.Stats, error) {
	m, _, _ := e.mirror()
	return m.Sync(context.Background())
}

func (e *env) read(key string) (string, bool) {
	data, err := os.ReadFile(filepath.Join(e.dir, filepath.FromSlash(key)))
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return string(data), true
}

func (e *env) status() string {
	s, _ := e.read(cache.StatusKey)
	return strings.TrimSpace(s)
}

// page parses the stored JSON page of a project (nil when absent).
func (e *env) page(name string) *simple.Project {
	e.t.Helper()
	data, ok := e.read(cache.ProjectPageKey(name, cache.PageV1JSON))
	if !ok {
		return nil
	}
	base := &url.URL{Scheme: "http", Host: "mirror.invalid", Path: "/simple/" + name + "/"}
	p, err := simple.ParseProjectJSON([]byte(data), base)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// fileKey is where a page's file is stored.
func fileKey(f simple.File) string {
	u, _ := url.Parse(f.URL)
	return "web" + u.Path
}

// checkProject checks the stored page lists exactly upstream's files and
// every one (and its metadata) is on disk with upstream's bytes.
func (e *env) checkProject(name string, wantFiles int) {
	e.t.Helper()
	p := e.page(name)
	if p == nil {
		e.t.Fatalf("%s: no stored page", name)
	}
	if len(p.Files) != wantFiles {
		e.t.Errorf("%s: %d files on the page, want %d", name, len(p.Files), wantFiles)
	}
	for _, f := range p.Files {
		want, _, ok := e.up.File(name, f.Filename)
		if !ok {
			e.t.Errorf("%s: page lists %s, which upstream does not have", name, f.Filename)
			continue
		}
		got, ok := e.read(fileKey(f))
		if !ok || got != string(want) {
			e.t.Errorf("%s: file %s missing or different on disk (present %v)", name, f.Filename, ok)
		}
		if md, ok := e.up.Metadata(name, f.Filename); ok {
			if got, _ := e.read(fileKey(f) + ".metadata"); got != string(md) {
				e.t.Errorf("%s: metadata of %s missing or different", name, f.Filename)
			}
		}
	}
}

// walkFiles lists the stored files under web/packages/.
func (e *env) walkFiles() []string {
	var keys []string
	filepath.WalkDir(filepath.Join(e.dir, "web", "packages"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			rel, _ := filepath.Rel(e.dir, p)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	return keys
}
