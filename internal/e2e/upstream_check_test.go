package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestMirrorSiteRootRefused is issue 13's scenario: a working mirror, a
// change upstream, then `mirror --upstream http://HOST` (the site root, as
// bandersnatch's master is written). The mirror must remove nothing, leave
// status alone, exit non-zero and say which URL would work.
func TestMirrorSiteRootRefused(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	dir := t.TempDir()
	if out, err := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir,
		"--progress", "none").CombinedOutput(); err != nil {
		t.Fatalf("first mirror: %v\n%s", err, out)
	}
	status, _ := os.ReadFile(filepath.Join(dir, "status"))
	files := countFiles(t, filepath.Join(dir, "web", "packages"), nil)
	up.Publish(fakepypi.DemoC, fakepypi.Release{Version: "9.0", Wheel: true})

	out, err := exec.Command(binary, "mirror", "--upstream", up.BaseURL(), "--cache-dir", dir,
		"--progress", "none").CombinedOutput()
	if err == nil {
		t.Fatalf("mirror with the site root exited 0:\n%s", out)
	}
	for _, want := range []string{"Simple API root", "use --upstream " + up.BaseURL() + "/simple/"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the message does not say %q:\n%s", want, out)
		}
	}
	after, _ := os.ReadFile(filepath.Join(dir, "status"))
	if string(after) != string(status) {
		t.Errorf("status moved: %q -> %q", status, after)
	}
	if n := countFiles(t, filepath.Join(dir, "web", "packages"), nil); n != files {
		t.Errorf("%d files before, %d after", files, n)
	}
	if _, err := os.Stat(filepath.Join(dir, "web", "simple", fakepypi.DemoC, "index.v1_json")); err != nil {
		t.Errorf("%s's page is gone: %v", fakepypi.DemoC, err)
	}

	// The JSON API URL is refused the same way.
	out, err = exec.Command(binary, "mirror", "--upstream", up.BaseURL()+"/pypi", "--cache-dir", dir,
		"--progress", "none").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "/simple/") {
		t.Errorf("mirror with the /pypi URL: %v\n%s", err, out)
	}
}

// TestServeSiteRootWarns: serve with the site root keeps serving what is
// cached and says loudly, once, what is wrong and what would work.
func TestServeSiteRootWarns(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	dir := t.TempDir()
	good := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir)
	if code, _ := httpGet(t, good.URL+"/simple/projecta/"); code != 200 {
		t.Fatalf("warming the cache: %d", code)
	}
	good.stop(t)

	p := startProxy(t, "--upstream", up.BaseURL(), "--cache-dir", dir, "--offline=false")
	waitFor(t, "the misconfiguration warning", func() bool {
		return strings.Contains(p.logs.String(), "UPSTREAM MISCONFIGURED")
	})
	if !strings.Contains(p.logs.String(), up.BaseURL()+"/simple/") {
		t.Errorf("the warning does not name the URL that would work:\n%s", p.logs)
	}
	if code, body := httpGet(t, p.URL+"/simple/projecta/"); code != 200 || !strings.Contains(body, "projecta") {
		t.Errorf("the cached page is not served: %d %.200s", code, body)
	}
}
