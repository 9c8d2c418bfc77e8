package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// twoIndexes starts a private and a public fake index. The private one
// has acme-lib 1.0 and shared-name 1.0; the public one has the same names
// at 99.0 (the dependency-confusion attack), pinned-only 1.0 (which a rule
// pins to private, where it does not exist), down-lib 1.0 (on both) and
// projectb.
func twoIndexes(t *testing.T) (private, public *fakepypi.Upstream) {
	t.Helper()
	private, public = fakepypi.New(fakepypi.Options{}), fakepypi.New(fakepypi.Options{})
	t.Cleanup(private.Close)
	t.Cleanup(public.Close)
	for _, name := range []string{"acme-lib", "shared-name", "down-lib"} {
		private.Publish(name, fakepypi.Release{Version: "1.0", Wheel: true})
		public.Publish(name, fakepypi.Release{Version: "99.0", Wheel: true})
	}
	public.Publish("acme-pinned", fakepypi.Release{Version: "1.0", Wheel: true})
	public.Publish("projectb", fakepypi.Release{Version: "1.0", Wheel: true})
	return private, public
}

func TestPipRoutingTwoIndexes(t *testing.T) {
	requirePip(t)
	private, public := twoIndexes(t)
	p := startProxy(t, "--cache-dir", t.TempDir(), "--upstream-retries", "0",
		"--index", "private="+private.IndexURL(), "--index", "pypi="+public.IndexURL(), "--trusted-file-host", private.FilesHost(), "--trusted-file-host", public.FilesHost(), "--route", "acme-*=private")
	index := p.URL + "/simple/"

	t.Run("confusion attack installs the private package", func(t *testing.T) {
		dir := t.TempDir()
		pip(t, index, "install", "--target", dir, "acme-lib", "shared-name", "projectb")
		want := []string{"acme_lib-1.0", "projectb-1.0", "shared_name-1.0"}
		if got := installed(t, dir); !slices.Equal(got, want) {
			t.Errorf("installed %v, want %v", got, want)
		}
		if n := public.Requests(fakepypi.FilesHost, "/packages/"); n != 1 {
			t.Errorf("public files host served %d files, want 1 (projectb)", n)
		}
		if n := public.Requests(fakepypi.IndexHost, "/simple/acme-lib/"); n != 0 {
			t.Errorf("the public index was asked for a pinned project %d times", n)
		}
	})
	t.Run("pages say their index", func(t *testing.T) {
		for project, want := range map[string]string{"shared-name": "private", "projectb": "pypi"} {
			resp, err := http.Get(index + project + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("X-PyPI-Proxy-Index"); got != want {
				t.Errorf("%s: X-PyPI-Proxy-Index %q, want %q", project, got, want)
			}
		}
	})
	t.Run("pinned project missing on its index is not taken from PyPI", func(t *testing.T) {
		if code, _ := httpGet(t, index+"acme-pinned/"); code != http.StatusNotFound {
			t.Errorf("acme-pinned: %d, want 404", code)
		}
		out, err := fakepypi.PipCommand(t.TempDir(), "download", "--no-deps", "--dest", t.TempDir(),
			"--index-url", index, "--no-cache-dir", "--retries", "0", "acme-pinned").CombinedOutput()
		if err == nil {
			t.Errorf("pip downloaded acme-pinned from the public index:\n%s", out)
		}
	})
	t.Run("private index down fails closed", func(t *testing.T) {
		private.SetFault(fakepypi.Fault{Host: fakepypi.IndexHost, PathPrefix: "/simple/down-lib/", Status: 500})
		code, body := httpGet(t, index+"down-lib/")
		if code != http.StatusServiceUnavailable || strings.Contains(body, "99.0") {
			t.Errorf("down-lib with the private index failing: %d %q, want 503", code, body)
		}
		out, err := fakepypi.PipCommand(t.TempDir(), "install", "--target", t.TempDir(),
			"--index-url", index, "--no-cache-dir", "--retries", "0", "down-lib").CombinedOutput()
		if err == nil || strings.Contains(string(out), "99.0") {
			t.Errorf("pip installed down-lib while its index is down:\n%s", out)
		}
		if n := public.Requests(fakepypi.IndexHost, "/simple/down-lib/"); n != 0 {
			t.Errorf("the public index was asked for down-lib %d times", n)
		}
	})
	t.Run("root lists each project once, from its index", func(t *testing.T) {
		_, body := httpGet(t, index)
		for _, name := range []string{"acme-lib", "shared-name", "projectb", "down-lib"} {
			if n := strings.Count(body, ">"+name+"<"); n != 1 {
				t.Errorf("root lists %s %d times", name, n)
			}
		}
		if strings.Contains(body, ">acme-pinned<") {
			t.Errorf("root lists acme-pinned, which its index does not have")
		}
	})
}
