package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

var budgetLoaded = regexp.MustCompile(`msg="cache budget loaded" .*from=(\w+) .*cache_files=(\d+)`)

// TestBudgetRestartSkipsWalk: serve --max-cache-size stopped cleanly
// leaves its inventory, and the next start loads it instead of walking
// the tree; a mirror run on the tree in between makes the next start
// walk, and the budget then counts the mirror's files too.
func TestBudgetRestartSkipsWalk(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	dir := t.TempDir()
	args := []string{"--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir,
		"--max-cache-size", "1GiB", "--log-level", "info"}
	loaded := func(p *proxyProc) (from string, files int) {
		t.Helper()
		var m []string
		waitFor(t, "the budget to load", func() bool {
			m = budgetLoaded.FindStringSubmatch(p.logs.String())
			return m != nil
		})
		n, _ := strconv.Atoi(m[2])
		return m[1], n
	}

	p := startProxy(t, args...)
	if from, _ := loaded(p); from != "walk" {
		t.Errorf("first start: loaded from %s, want walk", from)
	}
	path, _ := demoFilePath(t, up, p)
	if code, body := httpGet(t, p.URL+path); code != 200 {
		t.Fatalf("%s: %d %.200s", path, code, body)
	}
	p.stop(t)
	if _, err := os.Stat(filepath.Join(dir, "state", "access.log.inventory")); err != nil {
		t.Fatalf("no inventory after a clean stop: %v", err)
	}

	p = startProxy(t, args...)
	if from, files := loaded(p); from != "inventory" || files != 1 {
		t.Errorf("after a clean stop: loaded %d files from %s, want 1 from the inventory; logs:\n%s", files, from, p.logs)
	}
	p.stop(t)

	out, err := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(),
		"--cache-dir", dir, "--progress", "none", "--log-level", "warn").CombinedOutput()
	if err != nil {
		t.Fatalf("mirror: %v\n%s", err, out)
	}
	inTree := 0
	filepath.WalkDir(filepath.Join(dir, "web", "packages"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			inTree++
		}
		return nil
	})
	p = startProxy(t, args...)
	if from, files := loaded(p); from != "walk" || files != inTree || inTree <= 1 {
		t.Errorf("after a mirror run: loaded %d files from %s, want the %d of the tree from a walk", files, from, inTree)
	}
}
