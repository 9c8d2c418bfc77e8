package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// policyIndex publishes, with upload times relative to now: fresh-lib 1.0
// (old) and 2.0 (just uploaded), exempt-lib 1.0 (old) and 2.0 (new),
// notime-lib 1.0 (no upload-time), gone-lib, quar-lib, dropped-lib and
// evil-lib 1.0 (old).
func policyIndex(t *testing.T) *fakepypi.Upstream {
	t.Helper()
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	old, fresh := time.Now().Add(-30*24*time.Hour), time.Now().Add(-time.Minute)
	for _, name := range []string{"fresh-lib", "exempt-lib"} {
		up.Publish(name, fakepypi.Release{Version: "1.0", Wheel: true, UploadTime: old})
		up.Publish(name, fakepypi.Release{Version: "2.0", Wheel: true, UploadTime: fresh})
	}
	up.Publish("notime-lib", fakepypi.Release{Version: "1.0", Wheel: true, NoUploadTime: true})
	up.Publish("gone-lib", fakepypi.Release{Version: "1.0", Wheel: true, UploadTime: old})
	for _, name := range []string{"quar-lib", "dropped-lib", "evil-lib"} {
		up.Publish(name, fakepypi.Release{Version: "1.0", Wheel: true, UploadTime: old})
	}
	return up
}

// pipFails runs pip expecting it to fail.
func pipFails(t *testing.T, index string, args ...string) {
	t.Helper()
	out, err := fakepypi.PipCommand(t.TempDir(), append(args, "--index-url", index, "--no-cache-dir", "--retries", "0")...).CombinedOutput()
	if err == nil {
		t.Errorf("pip %v succeeded:\n%s", args, out)
	}
}

func TestPipReleaseCooldown(t *testing.T) {
	requirePip(t)
	up := policyIndex(t)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--min-release-age", "72h", "--policy-exempt", "exempt-*",
		"--log-level", "info")
	index := p.URL + "/simple/"

	dir := t.TempDir()
	pip(t, index, "install", "--target", dir, "fresh-lib", "exempt-lib")
	if got := installed(t, dir); !slices.Equal(got, []string{"exempt_lib-2.0", "fresh_lib-1.0"}) {
		t.Errorf("installed %v, want the exempt project's new release and the other's old one", got)
	}
	pipFails(t, index, "install", "--target", t.TempDir(), "fresh-lib==2.0")
	pipFails(t, index, "install", "--target", t.TempDir(), "notime-lib") // no upload-time: fail closed

	_, page := httpGet(t, index+"fresh-lib/?format=application/vnd.pypi.simple.v1+json")
	if strings.Contains(page, "2.0") {
		t.Errorf("the page shows the held release (files or versions):\n%s", page)
	}
	_, api := httpGet(t, p.URL+"/pypi/fresh-lib/json")
	if strings.Contains(api, "fresh_lib-2.0") || strings.Contains(api, `"2.0":`) {
		t.Errorf("the JSON API shows the held release:\n%s", api)
	}
	_, urlPath, _ := up.File("fresh-lib", "fresh_lib-2.0-py3-none-any.whl")
	code, body := httpGet(t, p.URL+urlPath)
	if code != http.StatusForbidden || !strings.Contains(body, "minimum release age") {
		t.Errorf("direct download of a held file: %d %q, want 403 with the reason", code, body)
	}
	_, metrics := httpGet(t, p.URL+"/metrics")
	for _, rule := range []string{"cooldown", "no_upload_time"} {
		if !strings.Contains(metrics, `pypi_proxy_policy_decisions_total{rule="`+rule+`"}`) {
			t.Errorf("no %s decision counted", rule)
		}
	}
	audit := "rule=cooldown project=fresh-lib file=fresh_lib-2.0-py3-none-any.whl index=upstream"
	if !strings.Contains(p.logs.String(), audit) {
		t.Errorf("no audit event %q in the logs:\n%s", audit, p.logs)
	}
}

func TestPipExcludeNewer(t *testing.T) {
	requirePip(t)
	up := policyIndex(t)
	cutoff := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--exclude-newer", cutoff, "--allow-missing-upload-time")
	dir := t.TempDir()
	pip(t, p.URL+"/simple/", "install", "--target", dir, "fresh-lib", "notime-lib")
	if got := installed(t, dir); !slices.Equal(got, []string{"fresh_lib-1.0", "notime_lib-1.0"}) {
		t.Errorf("installed %v", got)
	}
}

func TestPipRemovalsReachWarmCache(t *testing.T) {
	requirePip(t)
	up := policyIndex(t)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir())
	index := p.URL + "/simple/"
	dir := t.TempDir()
	pip(t, index, "install", "--target", dir, "gone-lib", "quar-lib", "dropped-lib")
	if got := installed(t, dir); len(got) != 3 {
		t.Fatalf("installed %v", got)
	}
	_, gonePath, _ := up.File("gone-lib", "gone_lib-1.0-py3-none-any.whl")
	_, quarPath, _ := up.File("quar-lib", "quar_lib-1.0-py3-none-any.whl")
	_, droppedPath, _ := up.File("dropped-lib", "dropped_lib-1.0-py3-none-any.whl")
	if code, _ := httpGet(t, p.URL+gonePath); code != http.StatusOK {
		t.Fatalf("warm file: %d", code)
	}

	up.RemoveFile("gone-lib", "gone_lib-1.0-py3-none-any.whl")
	up.SetProjectStatus("quar-lib", "quarantined", "malware report")
	up.RemoveProject("dropped-lib")
	pipFails(t, index, "install", "--target", t.TempDir(), "gone-lib") // pip revalidates: the page loses the file
	pipFails(t, index, "install", "--target", t.TempDir(), "quar-lib")
	pipFails(t, index, "install", "--target", t.TempDir(), "dropped-lib")
	for _, path := range []string{gonePath, quarPath, droppedPath} {
		if code, body := httpGet(t, p.URL+path); code != http.StatusGone {
			t.Errorf("%s after removal: %d %q, want 410", path, code, body)
		}
	}
	_, metrics := httpGet(t, p.URL+"/metrics")
	for _, rule := range []string{"removed", "quarantined"} {
		if !strings.Contains(metrics, `pypi_proxy_policy_decisions_total{rule="`+rule+`"}`) {
			t.Errorf("no %s decision counted", rule)
		}
	}
}

func TestPipBlockList(t *testing.T) {
	requirePip(t)
	up := policyIndex(t)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--block", "evil-lib")
	pipFails(t, p.URL+"/simple/", "install", "--target", t.TempDir(), "evil-lib")
	if code, body := httpGet(t, p.URL+"/simple/evil-lib/"); code != http.StatusForbidden || !strings.Contains(body, "blocked by policy") {
		t.Errorf("blocked project: %d %q, want 403 with the reason", code, body)
	}
	if n := up.Requests(fakepypi.IndexHost, "/simple/evil-lib/"); n != 0 {
		t.Errorf("a blocked project was fetched upstream %d times", n)
	}
	dir := t.TempDir()
	pip(t, p.URL+"/simple/", "install", "--target", dir, "quar-lib")
	if got := installed(t, dir); !slices.Equal(got, []string{"quar_lib-1.0"}) {
		t.Errorf("installed %v", got)
	}
}
