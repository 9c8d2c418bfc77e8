package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

const systemPython = fakepypi.SystemPython

func requirePip(t *testing.T) {
	t.Helper()
	require(t, "Debian's pip ("+systemPython+" -m pip)", exec.Command(systemPython, "-m", "pip", "--version").Run())
}

// pip runs real pip with only --index-url pointing at the proxy.
func pip(t *testing.T, index string, args ...string) string {
	t.Helper()
	return fakepypi.Pip(t, append(args[:len(args):len(args)], "--index-url", index, "--no-cache-dir")...)
}

// installed lists the distributions pip installed into dir (its
// dist-info directories, without the suffix).
func installed(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range fakepypi.ListDir(t, dir) {
		if dist, ok := strings.CutSuffix(name, ".dist-info"); ok {
			out = append(out, dist)
		}
	}
	return out
}

func TestPipThroughProxy(t *testing.T) {
	requirePip(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	cacheDir := t.TempDir()
	// A small upstream limit: pip's revalidations and downloads must never
	// leak a slot (a leak hangs the proxy once the slots run out).
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", cacheDir, "--max-concurrent-upstream", "2")
	index := p.URL + "/simple/"

	t.Run("dependency chain, yank, requires-python", func(t *testing.T) {
		dir := t.TempDir()
		pip(t, index, "install", "--target", dir, "projecta")
		want := []string{"projecta-1.0", "projectb-1.0", "projectc-1.1"}
		if got := installed(t, dir); !slices.Equal(got, want) {
			t.Errorf("installed %v, want %v", got, want)
		}
	})
	t.Run("pre-release only with --pre", func(t *testing.T) {
		dir := t.TempDir()
		pip(t, index, "download", "--no-deps", "--dest", dir, "projecta")
		if got := fakepypi.ListDir(t, dir); len(got) != 1 || !strings.HasPrefix(got[0], "projecta-1.0") {
			t.Errorf("without --pre: %v", got)
		}
		dir = t.TempDir()
		pip(t, index, "download", "--pre", "--no-deps", "--dest", dir, "projecta")
		if got := fakepypi.ListDir(t, dir); len(got) != 1 || !strings.HasPrefix(got[0], "projecta-2.0b1") {
			t.Errorf("with --pre: %v", got)
		}
	})
	t.Run("extra", func(t *testing.T) {
		dir := t.TempDir()
		pip(t, index, "install", "--target", dir, "Project_D[fancy]")
		want := []string{"project_d-1.0", "projectc-1.1"}
		if got := installed(t, dir); !slices.Equal(got, want) {
			t.Errorf("installed %v, want %v", got, want)
		}
	})
	t.Run("sdist built from source", func(t *testing.T) {
		dir := t.TempDir()
		out := pip(t, index, "install", "--no-binary", ":all:", "--target", dir, "projectc==1.0")
		if got := installed(t, dir); !slices.Equal(got, []string{"projectc-1.0"}) {
			t.Errorf("installed %v", got)
		}
		if !strings.Contains(out, "projectc-1.0.tar.gz") {
			t.Errorf("pip did not use the sdist:\n%s", out)
		}
	})
	t.Run("require-hashes", func(t *testing.T) {
		req := filepath.Join(t.TempDir(), "requirements.txt")
		var lines []string
		for _, f := range []struct{ project, file string }{
			{"projecta", "projecta-1.0-py3-none-any.whl"},
			{"projectb", "projectb-1.0-py3-none-any.whl"},
			{"projectc", "projectc-1.1-py3-none-any.whl"},
		} {
			data, _, ok := up.File(f.project, f.file)
			if !ok {
				t.Fatalf("no %s", f.file)
			}
			sum := sha256.Sum256(data)
			version := strings.Split(f.file, "-")[1]
			lines = append(lines, f.project+"=="+version+" --hash=sha256:"+hex.EncodeToString(sum[:]))
		}
		if err := os.WriteFile(req, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		pip(t, index, "install", "--require-hashes", "--target", dir, "-r", req)
		if got := installed(t, dir); len(got) != 3 {
			t.Errorf("installed %v", got)
		}
	})

	// Every file came through the proxy, fetched from the files host once:
	// 5 wheels (a, b, c 1.1, a 2.0b1, d) and the projectc 1.0 sdist.
	if n := up.Requests(fakepypi.FilesHost, "/packages/"); n != 6 {
		t.Errorf("files host saw %d requests, want 6 (one per distinct file)", n)
	}

	t.Run("second install with upstream gone", func(t *testing.T) {
		up.Close()
		dir := t.TempDir()
		pip(t, index, "install", "--target", dir, "projecta", "Project_D[fancy]")
		want := []string{"project_d-1.0", "projecta-1.0", "projectb-1.0", "projectc-1.1"}
		if got := installed(t, dir); !slices.Equal(got, want) {
			t.Errorf("installed %v, want %v", got, want)
		}
	})
	t.Run("restart with upstream gone serves cached pages", func(t *testing.T) {
		p.stop(t)
		p2 := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", cacheDir)
		dir := t.TempDir()
		pip(t, p2.URL+"/simple/", "install", "--target", dir, "projecta")
		if got := installed(t, dir); len(got) != 3 {
			t.Errorf("installed %v", got)
		}
	})
}
