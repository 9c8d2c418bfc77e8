package fakepypi

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const systemPython = SystemPython

// requirePip skips the test when systemPython -m pip is missing.
func requirePip(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real pip")
	}
	if err := exec.Command(systemPython, "-m", "pip", "--version").Run(); err != nil {
		t.Skipf("%s -m pip unavailable: %v", systemPython, err)
	}
}

// TestPipDownload resolves the demo chain projecta -> projectb -> projectc with real pip against the
// fake index: JSON pages by default, HTML pages (with PEP 658 .metadata files) when HTMLOnly.
func TestPipDownload(t *testing.T) {
	requirePip(t)
	tests := []struct {
		name     string
		opts     Options
		metadata bool // pip 23.0 reads PEP 658 only from HTML data-dist-info-metadata
	}{
		{"json", Options{}, false},
		{"html", Options{HTMLOnly: true}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := newDemo(t, tc.opts)
			dest := t.TempDir()
			Pip(t, "download", "--no-cache-dir", "--index-url", u.IndexURL(), "--dest", dest, "projecta")
			want := []string{"projecta-1.0-py3-none-any.whl", "projectb-1.0-py3-none-any.whl", "projectc-1.1-py3-none-any.whl"}
			if got := ListDir(t, dest); !slices.Equal(got, want) {
				t.Errorf("downloaded %v, want %v", got, want)
			}
			if n := u.Requests(IndexHost, "/simple/projectb/"); n != 1 {
				t.Errorf("projectb page fetched %d times", n)
			}
			var metas int
			u.counts.mu.Lock()
			for p, n := range u.counts.m[FilesHost] {
				if strings.HasSuffix(p, ".metadata") {
					metas += n
				}
			}
			u.counts.mu.Unlock()
			if (metas > 0) != tc.metadata {
				t.Errorf("%d .metadata requests", metas)
			}
		})
	}
}

// TestPipBuildsSdist installs from sdists only, with build isolation, as pip does by default:
// the in-tree fakebackend must build a correct wheel with no network and no build dependencies.
func TestPipBuildsSdist(t *testing.T) {
	requirePip(t)
	u := New(Options{})
	defer u.Close()
	PublishDemo(u)
	links := t.TempDir()
	for _, f := range []struct{ name, file string }{
		{DemoD, "project_d-1.0.tar.gz"},
		{DemoC, "projectc-1.1.tar.gz"},
	} {
		data, _, ok := u.File(f.name, f.file)
		if !ok {
			t.Fatalf("no %s", f.file)
		}
		if err := os.WriteFile(filepath.Join(links, f.file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	target := t.TempDir()
	Pip(t, "install", "--no-index", "--find-links", links, "--no-binary", ":all:", "--target", target, "Project_D[fancy]")
	got := strings.Join(ListDir(t, target), " ")
	for _, want := range []string{"project_d", "project_d-1.0.dist-info", "projectc", "projectc-1.1.dist-info"} {
		if !strings.Contains(got, want) {
			t.Errorf("installed %s, missing %s", got, want)
		}
	}
	md, err := os.ReadFile(filepath.Join(target, "project_d-1.0.dist-info", "METADATA"))
	if err != nil || !strings.Contains(string(md), "Provides-Extra: fancy") {
		t.Errorf("METADATA %v:\n%s", err, md)
	}
	out, err := exec.Command(systemPython, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import project_d; print(project_d.__version__)", target).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1.0" {
		t.Errorf("import: %v %s", err, out)
	}
}
