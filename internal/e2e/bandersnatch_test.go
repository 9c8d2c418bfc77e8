package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// getAccept GETs url with an Accept header.
func getAccept(t *testing.T, url, accept string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestAdoptBandersnatchTree: a mirror in the exact format bandersnatch 6-8
// writes (string "_last-serial" in index.v1_json, <!--SERIAL n--> in
// index.html, JSON API documents and their symlinks, web/local-stats) is
// served as it is by `serve --cache-dir <tree> --offline`, and pip installs
// from it. Two projects are cut down to what simple-format = HTML and
// simple-format = JSON write, so each page is also rendered from the other.
func TestAdoptBandersnatchTree(t *testing.T) {
	requirePip(t)
	up := fakepypi.New(fakepypi.Options{})
	fakepypi.PublishDemo(up)
	up.Publish(fakepypi.DemoC, fakepypi.Release{Version: "0.9"})
	up.Yank(fakepypi.DemoC, "0.9", "") // data-yanked="": yanked, no reason
	up.Publish("Odd.Name", fakepypi.Release{Version: "1.0", RequiresPython: `>=3.7, !='3.9.*'`})
	tree := t.TempDir()
	serial, err := up.WriteBandersnatchTree(tree)
	up.Close() // offline: nothing may reach upstream
	if err != nil {
		t.Fatal(err)
	}
	web := filepath.Join(tree, "web", "simple")
	// simple-format = HTML for projectc, JSON for projectb.
	for _, f := range []string{"projectc/index.v1_json", "projectb/index.html", "projectb/index.v1_html"} {
		if err := os.Remove(filepath.Join(web, f)); err != nil {
			t.Fatal(err)
		}
	}
	p := startProxy(t, "--cache-dir", tree, "--offline")
	index := p.URL + "/simple/"

	for _, name := range []string{"projecta", "project-d", "odd-name"} {
		for _, c := range []struct{ accept, file string }{
			{simple.MediaTypeJSONV1, "index.v1_json"}, {"text/html", "index.html"},
		} {
			code, body := getAccept(t, index+name+"/", c.accept)
			want, err := os.ReadFile(filepath.Join(web, name, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if code != 200 || body != string(want) {
				t.Errorf("%s %s: %d, not served as stored:\n%s", name, c.file, code, body)
			}
		}
	}
	// projectc has HTML only: its JSON is rendered, and keeps the serial
	// and the reasonless yank.
	code, body := getAccept(t, index+"projectc/", simple.MediaTypeJSONV1)
	if code != 200 {
		t.Fatalf("projectc JSON from HTML: %d %s", code, body)
	}
	proj, err := simple.ParseProjectJSON([]byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if proj.Meta.LastSerial != up.ProjectSerial(fakepypi.DemoC) || len(proj.Files) != 6 {
		t.Errorf("projectc JSON rendered from HTML: serial %d (want %d), %d files:\n%s", proj.Meta.LastSerial, up.ProjectSerial(fakepypi.DemoC), len(proj.Files), body)
	}
	for _, f := range proj.Files {
		if strings.Contains(f.Filename, "0.9") != f.Yanked || f.YankedReason != "" {
			t.Errorf("projectc %s: yanked %v %q", f.Filename, f.Yanked, f.YankedReason)
		}
	}
	// projectb has JSON only (string _last-serial): its HTML is rendered.
	code, body = getAccept(t, index+"projectb/", "text/html")
	if code != 200 || !strings.Contains(body, "<!--SERIAL ") || strings.Count(body, "<a href=") != 4 {
		t.Errorf("projectb HTML from bandersnatch JSON: %d\n%s", code, body)
	}
	code, body = getAccept(t, index, simple.MediaTypeJSONV1)
	root, err := simple.ParseRootJSON([]byte(body))
	if code != 200 || err != nil || root.Meta.LastSerial != serial || len(root.Projects) != 5 {
		t.Errorf("root: %d %v %s", code, err, body)
	}
	if code, body := httpGet(t, p.URL+"/pypi/projecta/json"); code != 200 || !strings.Contains(body, `"releases"`) {
		t.Errorf("JSON API document: %d %.200s", code, body)
	}

	dir := t.TempDir()
	pip(t, index, "install", "--target", dir, "projecta", "project-d[fancy]", "odd-name")
	want := []string{"odd_name-1.0", "project_d-1.0", "projecta-1.0", "projectb-1.0", "projectc-1.1"}
	if got := installed(t, dir); !slices.Equal(got, want) {
		t.Errorf("installed %v, want %v", got, want)
	}
	out := pip(t, index, "download", "--no-deps", "-d", t.TempDir(), "projectc==0.9")
	if !strings.Contains(out, "yanked") {
		t.Errorf("pip did not see projectc 0.9 as yanked:\n%s", out)
	}
}
