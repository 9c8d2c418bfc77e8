package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

const (
	mtJSON   = "application/vnd.pypi.simple.v1+json"
	mtV1HTML = "application/vnd.pypi.simple.v1+html"
	mtHTML   = "text/html; charset=utf-8"
)

// TestNginxServesMirror fills a tree through pypi-proxy, stops the proxy and the upstream, and
// serves the tree with nginx/pypi-mirror.conf to plain HTTP checks and to real pip.
func TestNginxServesMirror(t *testing.T) {
	requireNginx(t)
	requirePip(t)
	root := nginxFillMirror(t)
	n := startNginx(t, "pypi-mirror.conf", root, "")
	web := filepath.Join(root, "web")

	t.Run("content negotiation", func(t *testing.T) {
		uvAccept := "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
		for _, tc := range []struct {
			path, accept, ctype, file string
		}{
			{"/simple/projecta/", "", mtHTML, "simple/projecta/index.html"},
			{"/simple/projecta/", "*/*", mtHTML, "simple/projecta/index.html"},
			{"/simple/projecta/", nginxPipAccept, mtJSON, "simple/projecta/index.v1_json"},
			{"/simple/projecta/", uvAccept, mtJSON, "simple/projecta/index.v1_json"},
			{"/simple/projecta/", "application/vnd.pypi.simple.latest+json", mtJSON, "simple/projecta/index.v1_json"},
			{"/simple/projecta/", "Application/Vnd.Pypi.Simple.V1+JSON", mtJSON, "simple/projecta/index.v1_json"},
			{"/simple/projecta/", mtV1HTML, mtV1HTML, "simple/projecta/index.v1_html"},
			{"/simple/projecta/", "text/html", mtHTML, "simple/projecta/index.html"},
			// A tie goes to HTML, as on PyPI; q=0 excludes.
			{"/simple/projecta/", mtJSON + ", text/html", mtHTML, "simple/projecta/index.html"},
			{"/simple/projecta/", mtJSON + ";q=0, text/html;q=0.5", mtHTML, "simple/projecta/index.html"},
			{"/simple/projecta/", "text/html;q=0, " + mtJSON + ";q=0.5", mtJSON, "simple/projecta/index.v1_json"},
			{"/simple/projecta/", "application/json", mtHTML, "simple/projecta/index.html"},
			{"/simple/projecta/?format=" + mtJSON, "", mtJSON, "simple/projecta/index.v1_json"},
			{"/simple/projecta/?format=application%2Fvnd.pypi.simple.v1%2Bjson", "text/html", mtJSON, "simple/projecta/index.v1_json"},
			{"/simple/projecta/?format=text/html", nginxPipAccept, mtHTML, "simple/projecta/index.html"},
			{"/simple/", nginxPipAccept, mtJSON, "simple/index.v1_json"},
			{"/simple/", "", mtHTML, "simple/index.html"},
			{"/simple/project-d/", nginxPipAccept, mtJSON, "simple/project-d/index.v1_json"},
		} {
			resp, body := nginxGet(t, n.URL+tc.path, "Accept", tc.accept)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s Accept %q: %d", tc.path, tc.accept, resp.StatusCode)
				continue
			}
			if got := resp.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("%s Accept %q: Content-Type %q, want %q", tc.path, tc.accept, got, tc.ctype)
			}
			if !slices.Contains(resp.Header.Values("Vary"), "Accept") {
				t.Errorf("%s Accept %q: Vary %q lacks Accept", tc.path, tc.accept, resp.Header.Values("Vary"))
			}
			want, err := os.ReadFile(filepath.Join(web, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != string(want) {
				t.Errorf("%s Accept %q: body is not %s", tc.path, tc.accept, tc.file)
			}
		}
	})

	t.Run("redirects", func(t *testing.T) {
		for _, tc := range []struct{ path, location string }{
			{"/simple", "/simple/"},
			{"/simple/projecta", "/simple/projecta/"},
			{"/simple/Project_D/", "/simple/project-d/"},
			{"/simple/Project_D", "/simple/project-d/"},
			{"/simple/PROJECTA/", "/simple/projecta/"},
			{"/simple/project.d/?format=text/html", "/simple/project-d/?format=text/html"},
			{"/simple/Zope.Interface__x--y/", "/simple/zope-interface-x-y/"},
		} {
			resp, _ := nginxGet(t, n.URL+tc.path)
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != tc.location {
				t.Errorf("%s: %d Location %q, want 301 %q", tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.location)
			}
		}
		// Many capitals of one letter take several hops; a client following redirects ends normalized.
		resp, err := http.Get(n.URL + "/simple/AAAA_BBBB...-CCCC/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Request.URL.Path; got != "/simple/aaaa-bbbb-cccc/" {
			t.Errorf("redirect chain ended at %s", got)
		}
	})

	t.Run("not found", func(t *testing.T) {
		for _, path := range []string{
			"/simple/no-such-project/", "/simple/projecta/index.v1_json", "/status", "/web/simple/",
			"/state/origins/projecta.json", "/packages/00/00/0000/nothing.whl", "/pypi/projectb/json",
		} {
			if resp, _ := nginxGet(t, n.URL+path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			}
		}
	})

	t.Run("files", func(t *testing.T) {
		files := nginxStoredFiles(t, web, "projecta")
		if len(files) == 0 {
			t.Fatal("no projecta file in the tree")
		}
		for _, f := range files {
			ref, err := url.Parse(f.url)
			if err != nil {
				t.Fatal(err)
			}
			base, _ := url.Parse(n.URL + "/simple/projecta/")
			url := base.ResolveReference(ref).String()
			resp, body := nginxGet(t, url, "Accept-Encoding", "gzip")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", f.url, resp.StatusCode)
			}
			sum := sha256.Sum256(body)
			if hex.EncodeToString(sum[:]) != f.sha256 {
				t.Errorf("%s: sha256 differs from the page's", f.url)
			}
			h := resp.Header
			if h.Get("Content-Type") != "application/octet-stream" || h.Get("Content-Encoding") != "" ||
				!strings.Contains(h.Get("Cache-Control"), "immutable") || h.Get("Accept-Ranges") != "bytes" {
				t.Errorf("%s: headers %v", f.url, h)
			}
			resp, tail := nginxGet(t, url, "Range", "bytes=-10")
			if resp.StatusCode != http.StatusPartialContent || string(tail) != string(body[len(body)-10:]) {
				t.Errorf("%s: suffix range gave %d, %d bytes", f.url, resp.StatusCode, len(tail))
			}
		}
	})

	t.Run("pages compressed, files not", func(t *testing.T) {
		// The proxy's own gzip copy beside the page (gzip_static), not one made per request.
		resp, gz := nginxGet(t, n.URL+"/simple/projecta/", "Accept", nginxPipAccept, "Accept-Encoding", "gzip")
		stored, err := os.ReadFile(filepath.Join(web, "simple", "projecta", "index.v1_json.gz"))
		if resp.Header.Get("Content-Encoding") != "gzip" || err != nil || string(gz) != string(stored) {
			t.Errorf("gzip page: Content-Encoding %q, the stored copy: %v", resp.Header.Get("Content-Encoding"), err)
		}
		vary := strings.Join(resp.Header.Values("Vary"), ",")
		if !strings.Contains(vary, "Accept-Encoding") || !slices.Contains(resp.Header.Values("Vary"), "Accept") {
			t.Errorf("gzip page: Vary %q", vary)
		}
		resp, _ = nginxGet(t, n.URL+"/simple/projecta/", "Accept", nginxPipAccept)
		etag := resp.Header.Get("ETag")
		resp, _ = nginxGet(t, n.URL+"/simple/projecta/", "Accept", nginxPipAccept, "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: %d, want 304", etag, resp.StatusCode)
		}
	})

	t.Run("JSON API document", func(t *testing.T) {
		resp, body := nginxGet(t, n.URL+"/pypi/projecta/json")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || !json.Valid(body) {
			t.Errorf("/pypi/projecta/json: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})

	t.Run("pip installs through nginx, upstream and proxy stopped", func(t *testing.T) {
		dir := t.TempDir()
		pip(t, n.URL+"/simple/", "install", "--target", dir, "projecta", "Project_D[fancy]")
		want := []string{"project_d-1.0", "projecta-1.0", "projectb-1.0", "projectc-1.1"}
		if got := installed(t, dir); !slices.Equal(got, want) {
			t.Errorf("installed %v, want %v", got, want)
		}
	})
}

// TestNginxFallbackToProxy puts nginx/pypi-mirror-fallback.conf in front of a running pypi-proxy:
// what the tree lacks comes through the proxy, which stores it, and is then served by nginx.
func TestNginxFallbackToProxy(t *testing.T) {
	requireNginx(t)
	requirePip(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	root := t.TempDir()
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", root)
	n := startNginx(t, "pypi-mirror-fallback.conf", root, strings.TrimPrefix(p.URL, "http://"))

	resp, first := nginxGet(t, n.URL+"/simple/projectc/", "Accept", nginxPipAccept)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mtJSON {
		t.Fatalf("miss through nginx: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("X-Cache") == "" {
		t.Errorf("first request was not answered by the proxy (no X-Cache)")
	}
	if _, err := os.Stat(filepath.Join(root, "web/simple/projectc/index.v1_json")); err != nil {
		t.Fatalf("the proxy did not store the page: %v", err)
	}
	resp, second := nginxGet(t, n.URL+"/simple/projectc/", "Accept", nginxPipAccept)
	if resp.Header.Get("X-Cache") != "" || string(second) != string(first) {
		t.Errorf("second request: X-Cache %q (want none: served from the tree), same body %v",
			resp.Header.Get("X-Cache"), string(second) == string(first))
	}
	if resp, _ := nginxGet(t, n.URL+"/simple/no-such-project/", "Accept", nginxPipAccept); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown project: %d, want 404 passed on from the proxy", resp.StatusCode)
	}

	dir := t.TempDir()
	pip(t, n.URL+"/simple/", "install", "--target", dir, "projecta")
	if got, want := installed(t, dir), []string{"projecta-1.0", "projectb-1.0", "projectc-1.1"}; !slices.Equal(got, want) {
		t.Errorf("installed %v, want %v", got, want)
	}
	if n := up.Requests(fakepypi.FilesHost, "/packages/"); n != 3 {
		t.Errorf("files host saw %d requests, want 3", n)
	}
	// The files are in the tree now: nginx serves them even with the proxy gone.
	p.stop(t)
	up.Close()
	dir = t.TempDir()
	pip(t, n.URL+"/simple/", "install", "--target", dir, "projecta")
	if got := installed(t, dir); len(got) != 3 {
		t.Errorf("second install, proxy stopped: installed %v", got)
	}
}

type nginxFile struct{ url, sha256 string }

// nginxStoredFiles lists the files of name's JSON page that are present in the tree.
func nginxStoredFiles(t *testing.T, web, name string) []nginxFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(web, "simple", name, "index.v1_json"))
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Files []struct {
			URL    string            `json:"url"`
			Hashes map[string]string `json:"hashes"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	var out []nginxFile
	for _, f := range page.Files {
		if _, err := os.Stat(filepath.Join(web, "simple", name, f.URL)); err == nil {
			out = append(out, nginxFile{f.URL, f.Hashes["sha256"]})
		}
	}
	return out
}
