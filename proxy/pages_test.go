package proxy

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

func TestProjectPageNegotiation(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	tests := []struct {
		name     string
		path     string
		headers  []string
		code     int
		ctype    string
		contains string
	}{
		{"pip gets JSON", "/simple/projecta/", []string{pipAccept}, 200, simple.MediaTypeJSONV1, `"core-metadata"`},
		{"no Accept gets HTML", "/simple/projecta/", nil, 200, "text/html", `data-core-metadata="sha256=`},
		{"v1 html", "/simple/projecta/", []string{"Accept: application/vnd.pypi.simple.v1+html"}, 200, simple.MediaTypeHTMLV1, "<a href="},
		{"latest json", "/simple/projecta/", []string{"Accept: application/vnd.pypi.simple.latest+json"}, 200, simple.MediaTypeJSONV1, `"files"`},
		{"format param overrides", "/simple/projecta/?format=application/vnd.pypi.simple.v1%2Bjson", []string{htmlAccept}, 200, simple.MediaTypeJSONV1, `"files"`},
		{"nothing acceptable", "/simple/projecta/", []string{"Accept: image/png"}, 406, "", ""},
		{"root JSON", "/simple/", []string{jsonAccept}, 200, simple.MediaTypeJSONV1, `"projects"`},
		{"root HTML", "/simple/", nil, 200, "text/html", `href="projecta/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.get(tt.path, tt.headers...)
			wantStatus(t, resp, body, tt.code)
			if got := resp.Header.Get("Vary"); !strings.HasPrefix(got, "Accept") {
				t.Errorf("Vary = %q, want Accept first", got)
			}
			if tt.ctype != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) {
				t.Errorf("Content-Type = %q, want %q", resp.Header.Get("Content-Type"), tt.ctype)
			}
			if !strings.Contains(body, tt.contains) {
				t.Errorf("body lacks %q: %.400s", tt.contains, body)
			}
		})
	}
}

func TestNamesRedirectAndReject(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	tests := []struct {
		path, location string
		code           int
	}{
		{"/simple/Project_D/", "/simple/project-d/", 301},
		{"/simple/PROJECTA/?format=text/html", "/simple/projecta/?format=text/html", 301},
		{"/simple/projecta", "/simple/projecta/", 301},
		{"/simple/Project.D", "/simple/project-d/", 301},
		{"/simple", "/simple/", 301},
		{"/simple/..%2F..%2Fetc/", "", 400},
		{"/simple/%00bad/", "", 400},
		{"/simple/-leading/", "", 400},
		{"/simple/" + strings.Repeat("a", 300) + "/", "", 400},
		{"/simple/caf%C3%A9/", "", 400},
	}
	h.up.ResetCounts()
	for _, tt := range tests {
		resp, body := h.get(tt.path)
		wantStatus(t, resp, body, tt.code)
		if got := resp.Header.Get("Location"); got != tt.location {
			t.Errorf("%s: Location = %q, want %q", tt.path, got, tt.location)
		}
	}
	if n := h.up.Requests(fakepypi.IndexHost, ""); n != 0 {
		t.Errorf("redirects and bad names reached upstream %d times", n)
	}
}

func TestPageLinksPointAtProxyAndOriginsPersist(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	resp, body := h.get("/simple/projecta/", jsonAccept)
	wantStatus(t, resp, body, 200)
	var page struct {
		Files []struct {
			URL, Filename string
			Hashes        map[string]string
		}
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Files) == 0 {
		t.Fatal("no files")
	}
	for _, f := range page.Files {
		if !strings.HasPrefix(f.URL, "../../packages/") || strings.Contains(f.URL, "127.0.0.1") {
			t.Errorf("%s: URL %q does not point at the proxy", f.Filename, f.URL)
		}
		key := "web/" + strings.TrimPrefix(f.URL, "../../")
		o, ok := recorded(h.idx, "projecta", key)
		if !ok || o.SHA256 != f.Hashes["sha256"] || !strings.HasPrefix(o.URL, h.up.FilesURL()) {
			t.Errorf("%s: origin %+v not recorded", f.Filename, o)
		}
	}
	// After a restart, origins come back from state/origins/.
	h.restart(index.Config{})
	key := "web/" + strings.TrimPrefix(page.Files[0].URL, "../../")
	if _, ok := recorded(h.idx, "projecta", key); !ok {
		t.Errorf("origin of %s lost across restart", key)
	}
	// The tree is a bandersnatch mirror.
	for _, f := range []cache.PageFormat{cache.PageHTML, cache.PageV1HTML, cache.PageV1JSON} {
		if _, err := h.store.Stat(t.Context(), cache.ProjectPageKey("projecta", f)); err != nil {
			t.Errorf("page not stored: %v", err)
		}
	}
}

func TestPageCachingAndRevalidation(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: index.Config{IndexTTL: time.Hour}})
	page := "/simple/projectb/"
	resp, body := h.get(page, pipAccept)
	wantStatus(t, resp, body, 200)
	if x := resp.Header.Get("X-Cache"); x != "MISS" {
		t.Errorf("first X-Cache = %q, want MISS", x)
	}
	resp, _ = h.get(page, pipAccept)
	if x := resp.Header.Get("X-Cache"); x != "HIT" {
		t.Errorf("second X-Cache = %q, want HIT", x)
	}
	if n := h.up.Requests(fakepypi.IndexHost, page); n != 1 {
		t.Errorf("upstream saw %d requests, want 1", n)
	}
	// pip's max-age=0 forces a conditional request, answered 304 upstream.
	resp, _ = h.get(page, pipAccept, "Cache-Control: max-age=0")
	if x := resp.Header.Get("X-Cache"); x != "REVALIDATED" {
		t.Errorf("revalidated X-Cache = %q, want REVALIDATED", x)
	}
	if n := h.up.Requests(fakepypi.IndexHost, page); n != 2 {
		t.Errorf("upstream saw %d requests, want 2", n)
	}
	// A change upstream shows after revalidation.
	h.up.Publish(fakepypi.DemoB, fakepypi.Release{Version: "1.2"})
	resp, body = h.get(page, pipAccept, "Cache-Control: max-age=0")
	if x := resp.Header.Get("X-Cache"); x != "MISS" || !strings.Contains(body, "projectb-1.2") {
		t.Errorf("after publish X-Cache = %q, body has 1.2: %v", x, strings.Contains(body, "projectb-1.2"))
	}
	if got, want := resp.Header.Get("X-PyPI-Last-Serial"), h.up.ProjectSerial("projectb"); got != itoa(want) {
		t.Errorf("X-PyPI-Last-Serial = %s, want %d", got, want)
	}
	// Our own ETag: 304 for If-None-Match.
	etag := resp.Header.Get("ETag")
	resp, _ = h.get(page, pipAccept, "If-None-Match: "+etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "max-age=3600, public" {
		t.Errorf("Cache-Control = %q", cc)
	}
}

// TestConcurrentRevalidationsShareOneFetch: 50 revalidations that arrive
// while one is asking upstream all wait for it. The upstream answer is
// held until every request is inside the shared fetch.
func TestConcurrentRevalidationsShareOneFetch(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.get("/simple/projectc/", pipAccept)
	h.up.ResetCounts()
	gate := h.up.Hold(fakepypi.IndexHost, "/simple/projectc/")
	defer gate.Release()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			resp, body, err := h.try(http.MethodGet, "/simple/projectc/", pipAccept, "Cache-Control: max-age=0")
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("%v: %.200s", err, body)
			}
		})
	}
	waitParked(t, 50, "index.(*Service).page(", "singleflight.(*Group).Do(")
	gate.Release()
	wg.Wait()
	if n := h.up.Requests(fakepypi.IndexHost, "/simple/projectc/"); n != 1 {
		t.Errorf("50 concurrent revalidations made %d upstream requests, want 1", n)
	}
}

func TestUpstreamFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault fakepypi.Fault
		code  int // with nothing cached
	}{
		{"503", fakepypi.Fault{Kind: fakepypi.FaultStatus, Status: 503}, 503},
		{"500", fakepypi.Fault{Kind: fakepypi.FaultStatus, Status: 500}, 502},
		{"connection dropped", fakepypi.Fault{Kind: fakepypi.FaultDown}, 502},
		{"truncated", fakepypi.Fault{Kind: fakepypi.FaultTruncate}, 502},
		{"timeout", fakepypi.Fault{Kind: fakepypi.FaultHold}, 504}, // held until the proxy gives up
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{cfg: index.Config{IndexTTL: time.Hour, FetchTimeout: time.Second}})
			h.get("/simple/projecta/", pipAccept) // cached
			// A change upstream, so revalidation gets a full body to break.
			h.up.Publish(fakepypi.DemoA, fakepypi.Release{Version: "3.0"})
			tt.fault.Host, tt.fault.PathPrefix = fakepypi.IndexHost, "/simple/"
			h.up.SetFault(tt.fault)
			resp, body := h.get("/simple/projecta/", pipAccept, "Cache-Control: max-age=0")
			wantStatus(t, resp, body, 200)
			if resp.Header.Get("X-Cache") != "STALE" || resp.Header.Get("Warning") == "" {
				t.Errorf("stale page without X-Cache: STALE and Warning: %v", resp.Header)
			}
			resp, body = h.get("/simple/projectc/", pipAccept)
			wantStatus(t, resp, body, tt.code)
		})
	}
}

func TestUpstreamNotFoundIsCachedBriefly(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for range 3 {
		resp, body := h.get("/simple/no-such-project/")
		wantStatus(t, resp, body, 404)
	}
	if n := h.up.Requests(fakepypi.IndexHost, "/simple/no-such-project/"); n != 1 {
		t.Errorf("upstream asked %d times for a missing project, want 1", n)
	}
}

func TestOfflineAndRestart(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.get("/simple/projecta/", pipAccept)
	h.get("/simple/", pipAccept)
	h.up.Close()
	h.restart(index.Config{})
	resp, body := h.get("/simple/projecta/", pipAccept)
	wantStatus(t, resp, body, 200)
	if !strings.Contains(body, "projecta-1.0") {
		t.Errorf("restarted proxy lost the page: %.200s", body)
	}
	resp, body = h.get("/simple/projecta/", htmlAccept)
	wantStatus(t, resp, body, 200)

	h.restart(index.Config{Offline: true})
	resp, body = h.get("/simple/projecta/", pipAccept, "Cache-Control: max-age=0")
	wantStatus(t, resp, body, 200)
	if resp.Header.Get("X-Cache") != "OFFLINE" {
		t.Errorf("X-Cache = %q, want OFFLINE", resp.Header.Get("X-Cache"))
	}
	resp, body = h.get("/simple/projectc/", pipAccept)
	wantStatus(t, resp, body, 504)
	resp, body = h.get("/simple/", pipAccept)
	wantStatus(t, resp, body, 200)
}

func TestHTMLOnlyUpstream(t *testing.T) {
	h := newHarness(t, harnessOpts{fakeOpts: fakepypi.Options{HTMLOnly: true}})
	resp, body := h.get("/simple/projecta/", jsonAccept)
	wantStatus(t, resp, body, 200)
	proj, err := simple.ParseProjectJSON([]byte(body), mustURL("http://x/simple/projecta/"))
	if err != nil {
		t.Fatal(err)
	}
	var yanked bool
	for _, f := range proj.Files {
		if f.Hashes["sha256"] == "" || (strings.HasSuffix(f.Filename, ".whl") != f.CoreMetadata.Available) {
			t.Errorf("%s lost its hash or metadata: %+v", f.Filename, f)
		}
		if f.Yanked && f.YankedReason == "broken build" {
			yanked = true
		}
	}
	if !yanked {
		t.Error("yank reason lost through HTML")
	}
}

func TestStaleSerialDoesNotReplace(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: index.Config{IndexTTL: time.Hour}})
	_, body := h.get("/simple/projectc/", jsonAccept)
	// Pretend the stored page came from a newer serial than upstream now has.
	proj, err := simple.ParseProjectJSON([]byte(body), mustURL("http://mirror.invalid/simple/projectc/"))
	if err != nil {
		t.Fatal(err)
	}
	proj.Meta.LastSerial = 1 << 40
	relativeLinks(proj, "mirror.invalid")
	if err := cache.WriteObject(t.Context(), h.store, cache.ProjectPageKey("projectc", cache.PageV1JSON), simple.RenderProjectJSON(proj)); err != nil {
		t.Fatal(err)
	}
	h.restart(index.Config{IndexTTL: time.Hour})
	h.up.Publish(fakepypi.DemoC, fakepypi.Release{Version: "9.0"})
	resp, body := h.get("/simple/projectc/", jsonAccept, "Cache-Control: max-age=0")
	wantStatus(t, resp, body, 200)
	if strings.Contains(body, "projectc-9.0") || resp.Header.Get("X-PyPI-Last-Serial") != itoa(1<<40) {
		t.Errorf("a page with a lower serial replaced the stored one (X-PyPI-Last-Serial %s)", resp.Header.Get("X-PyPI-Last-Serial"))
	}
}

func TestJSONAPIRewritten(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, path := range []string{"/pypi/projecta/json", "/pypi/projecta/1.0/json"} {
		resp, body := h.get(path)
		wantStatus(t, resp, body, 200)
		if strings.Contains(body, h.up.FilesURL()) {
			t.Errorf("%s still links the upstream file host", path)
		}
		if !strings.Contains(body, `"`+h.http.URL+`/packages/`) {
			t.Errorf("%s: file URLs not rewritten to the proxy: %.300s", path, body)
		}
	}
	resp, body := h.get("/pypi/Project_D/json")
	wantStatus(t, resp, body, 301)
}

func TestPageHeadAndContentLength(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	resp, body := h.get("/simple/projecta/", pipAccept)
	wantStatus(t, resp, body, 200)
	if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
		t.Errorf("page not sent with its Content-Length: %d, %v", resp.ContentLength, resp.TransferEncoding)
	}
	head, hbody := h.do(http.MethodHead, "/simple/projecta/", pipAccept)
	if head.StatusCode != 200 || hbody != "" || head.ContentLength != int64(len(body)) || head.Header.Get("ETag") != resp.Header.Get("ETag") {
		t.Errorf("HEAD: %d, length %d, etag %q", head.StatusCode, head.ContentLength, head.Header.Get("ETag"))
	}
}

func TestPageGzip(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	_, plain := h.get("/simple/projecta/", pipAccept)
	resp, body := h.get("/simple/projecta/", pipAccept, "Accept-Encoding: gzip, deflate")
	wantStatus(t, resp, body, 200)
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept, Accept-Encoding" {
		t.Fatalf("headers: %v", resp.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if string(unzipped) != plain || len(body) >= len(plain) {
		t.Errorf("gzip body: %d bytes for %d plain, equal after gunzip: %v", len(body), len(plain), string(unzipped) == plain)
	}
	etag := resp.Header.Get("ETag")
	resp, _ = h.get("/simple/projecta/", pipAccept, "Accept-Encoding: gzip", "If-None-Match: "+etag)
	if resp.StatusCode != 304 {
		t.Errorf("gzip If-None-Match: %d", resp.StatusCode)
	}
	resp, _ = h.get("/simple/projecta/", pipAccept, "Accept-Encoding: gzip;q=0, identity")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still compressed")
	}
	// Files are never compressed.
	wheel := filePath(h.fileLinks("projecta")["projecta-1.0-py3-none-any.whl"])
	resp, _ = h.get(wheel, "Accept-Encoding: gzip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("file: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}

// TestRevalidateAfter: pip's max-age=0 revalidates a page only once it is
// RevalidateAfter old. The page is made older by its stored copies'
// modification time, which a restarted proxy reads it back with.
func TestRevalidateAfter(t *testing.T) {
	cfg := index.Config{IndexTTL: 24 * time.Hour, RevalidateAfter: time.Hour}
	h := newHarness(t, harnessOpts{cfg: cfg})
	h.get("/simple/projectc/", pipAccept)
	for range 5 {
		resp, _ := h.get("/simple/projectc/", pipAccept, "Cache-Control: max-age=0")
		if resp.Header.Get("X-Cache") != "HIT" {
			t.Errorf("a page younger than --revalidate-after was revalidated: %s", resp.Header.Get("X-Cache"))
		}
	}
	if n := h.up.Requests(fakepypi.IndexHost, "/simple/projectc/"); n != 1 {
		t.Errorf("upstream asked %d times, want 1", n)
	}
	h.agePage("projectc", 2*time.Hour)
	h.restart(cfg)
	resp, _ := h.get("/simple/projectc/", pipAccept)
	if resp.Header.Get("X-Cache") != "HIT" {
		t.Errorf("a page younger than the TTL was revalidated without max-age=0: %s", resp.Header.Get("X-Cache"))
	}
	resp, _ = h.get("/simple/projectc/", pipAccept, "Cache-Control: max-age=0")
	if resp.Header.Get("X-Cache") != "REVALIDATED" {
		t.Errorf("an older page was not revalidated: %s", resp.Header.Get("X-Cache"))
	}
}

// recorded finds a file's origin in its project's record.
func recorded(idx *index.Service, project, key string) (index.FileOrigin, bool) {
	for _, f := range idx.ProjectFiles(context.Background(), project) {
		if f.Key == key {
			return f, true
		}
	}
	return index.FileOrigin{}, false
}

// relativeLinks turns links on host back into the tree's relative ones.
func relativeLinks(proj *simple.Project, host string) {
	for i := range proj.Files {
		if u, err := url.Parse(proj.Files[i].URL); err == nil && u.Host == host {
			proj.Files[i].URL = "../.." + u.EscapedPath()
		}
	}
}

// agePage makes a project's stored page copies and their sidecar age old:
// a restarted proxy reads the page's age back from their modification time.
func (h *harness) agePage(project string, age time.Duration) {
	h.t.Helper()
	old := time.Now().Add(-age)
	n := 0
	err := filepath.WalkDir(h.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(path), "/simple/"+project+"/") {
			return err
		}
		n++
		return os.Chtimes(path, old, old)
	})
	if err != nil || n == 0 {
		h.t.Fatalf("no stored page for %s: %v", project, err)
	}
}
