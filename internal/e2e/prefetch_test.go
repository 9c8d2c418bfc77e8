package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/internal/wait"
)

// TestServePrefetch: serve --prefetch keeps a filtered mirror current in
// the background; its root lists what it mirrors; the lazy proxy still
// answers for other projects.
func TestServePrefetch(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	dir := t.TempDir()
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir,
		"--prefetch", "--prefetch-interval", "300ms", "--allow", "projecta", "--with-dependencies")
	waitFor(t, "the first prefetch pass", func() bool {
		_, err := os.Stat(filepath.Join(dir, "status"))
		return err == nil
	})
	if got, want := rootNames(t, p.URL), []string{"projecta", "projectb", "projectc"}; !slices.Equal(got, want) {
		t.Errorf("root lists %v, want the mirrored %v", got, want)
	}
	wheel := filepath.Join(dir, "web", "packages")
	if n := countFiles(t, wheel, nil); n == 0 {
		t.Fatal("no files prefetched")
	}
	// A new release upstream shows up on the next pass, files included.
	up.Publish(fakepypi.DemoC, fakepypi.Release{Version: "1.5", Wheel: true})
	_, urlPath, _ := up.File(fakepypi.DemoC, "projectc-1.5-py3-none-any.whl")
	waitFor(t, "the new release to be prefetched", func() bool {
		_, err := os.Stat(filepath.Join(dir, "web", urlPath))
		return err == nil
	})
	// The prefetcher's metrics moved.
	_, metrics := httpGet(t, p.URL+"/metrics")
	for _, m := range []string{"pypi_proxy_prefetch_last_serial", "pypi_proxy_prefetch_upstream_serial",
		"pypi_proxy_prefetch_projects_synced_total", "pypi_proxy_prefetch_files_synced_total",
		"pypi_proxy_prefetch_sync_duration_seconds_count"} {
		if v := metricValue(t, metrics, m); v <= 0 {
			t.Errorf("%s = %v after prefetching", m, v)
		}
	}
	// Projects outside the mirror are still proxied lazily.
	if code, body := httpGet(t, p.URL+"/simple/project-d/"); code != 200 || !strings.Contains(body, "project_d-1.0") {
		t.Errorf("lazy project: %d %.200s", code, body)
	}
}

// waitFor polls cond until it holds (the deadline only stops a hang).
func waitFor(t *testing.T, what string, cond func() bool) { t.Helper(); wait.For(t, what, cond) }

func rootNames(t *testing.T, base string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/simple/", nil)
	req.Header.Set("Accept", "application/vnd.pypi.simple.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var root struct{ Projects []struct{ Name string } }
	if err := json.NewDecoder(resp.Body).Decode(&root); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range root.Projects {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// countFiles counts the files under dir whose name passes keep (nil: all).
func countFiles(t *testing.T, dir string, keep func(name string) bool) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (keep == nil || keep(d.Name())) {
			n++
		}
		return nil
	})
	return n
}

// TestServePrefetchIndexOnly: serve --prefetch --index-only keeps pages and
// PEP 658 metadata on disk but no distribution until pip asks for one,
// which serve then fetches and keeps.
func TestServePrefetchIndexOnly(t *testing.T) {
	requirePip(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	dir := t.TempDir()
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir,
		"--prefetch", "--prefetch-interval", "1h", "--index-only")
	waitFor(t, "the first prefetch pass", func() bool {
		_, err := os.Stat(filepath.Join(dir, "status"))
		return err == nil
	})
	packages := filepath.Join(dir, "web", "packages")
	dists := func() int {
		return countFiles(t, packages, func(name string) bool {
			return !strings.HasSuffix(name, ".metadata") && !strings.HasPrefix(name, ".")
		})
	}
	if n := countFiles(t, packages, nil); n == 0 {
		t.Fatal("no metadata prefetched")
	}
	if n := dists(); n != 0 {
		t.Fatalf("%d distributions prefetched by an index-only prefetcher", n)
	}
	pip(t, p.URL+"/simple/", "install", "--target", t.TempDir(), "projecta")
	if n := dists(); n != 3 { // projecta, projectb, projectc: one wheel each
		t.Errorf("%d distributions on disk after pip installed 3 projects", n)
	}
}
