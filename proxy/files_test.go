package proxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// fileLinks returns the project's file links (as the page has them) by filename.
func (h *harness) fileLinks(project string) map[string]string {
	h.t.Helper()
	resp, body := h.get("/simple/"+project+"/", jsonAccept)
	wantStatus(h.t, resp, body, 200)
	var page struct {
		Files []struct{ URL, Filename string }
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		h.t.Fatal(err)
	}
	links := map[string]string{}
	for _, f := range page.Files {
		links[f.Filename] = "/simple/" + project + "/" + f.URL
	}
	return links
}

// filePath is the proxy path of a file link ("../../packages/..." resolved).
func filePath(link string) string { return link[strings.Index(link, "/packages/"):] }

func TestFileMissThenHit(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel])
	want, _, _ := h.up.File("projectc", wheel)

	resp, body := h.get(path)
	wantStatus(t, resp, body, 200)
	if body != string(want) || resp.Header.Get("X-Cache") != "MISS" {
		t.Fatalf("miss: X-Cache %q, %d bytes, want %d", resp.Header.Get("X-Cache"), len(body), len(want))
	}
	resp, body = h.get(path)
	if body != string(want) || resp.Header.Get("X-Cache") != "HIT" {
		t.Fatalf("hit: X-Cache %q, body equal %v", resp.Header.Get("X-Cache"), body == string(want))
	}
	if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("headers: %v", resp.Header)
	}
	if n := h.up.Requests(fakepypi.FilesHost, ""); n != 1 {
		t.Errorf("files host saw %d requests, want 1", n)
	}
	// PEP 658 metadata, verified against its advertised hash.
	resp, body = h.get(path + ".metadata")
	wantStatus(t, resp, body, 200)
	md, _ := h.up.Metadata("projectc", wheel)
	if body != string(md) {
		t.Errorf("metadata differs: %q", body)
	}
	// Paths no page linked never reach upstream.
	h.up.ResetCounts()
	for _, p := range []string{
		"/packages/aa/bb/" + strings.Repeat("c", 60) + "/x-1.0.tar.gz",
		path + "x",
		"/packages/../../etc/passwd",
		"/packages/%2e%2e/%2e%2e/state/origins/projectc.json",
		"/simple/projectc/../../packages/aa/bb/cc/x.whl",
	} {
		resp, body := h.get(p)
		if resp.StatusCode != 404 && resp.StatusCode != 400 && resp.StatusCode != 301 {
			t.Errorf("%s: status %d: %.100s", p, resp.StatusCode, body)
		}
	}
	if n := h.up.Requests(fakepypi.FilesHost, ""); n != 0 {
		t.Errorf("unlisted paths reached the files host %d times", n)
	}
}

// TestFileRangesHeadConditional: ranges, HEAD and conditional requests
// work on a file still downloading and on a cached one. While downloading,
// upstream holds the second half of the file until every request has
// joined the download.
func TestFileRangesHeadConditional(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projecta-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projecta")[wheel])
	want, _, _ := h.up.File("projecta", wheel)
	size := len(want)
	tests := []struct {
		method  string
		headers []string
		code    int
		body    string
	}{
		{http.MethodGet, []string{"Range: bytes=0-9"}, 206, string(want[:10])},
		{http.MethodGet, []string{"Range: bytes=-16"}, 206, string(want[size-16:])},
		{http.MethodGet, []string{"Range: bytes=10-"}, 206, string(want[10:])},
		{http.MethodGet, []string{fmt.Sprintf("Range: bytes=%d-", size+10)}, 416, ""},
		{http.MethodGet, []string{"If-None-Match: " + fileETag("web"+path)}, 304, ""},
		{http.MethodGet, []string{"Range: bytes=0-9", "If-Range: \"other\""}, 200, string(want)},
		{http.MethodHead, nil, 200, ""},
	}
	for _, state := range []string{"downloading", "cached"} {
		t.Run(state, func(t *testing.T) {
			var gate *fakepypi.Gate
			var first <-chan reply
			if state == "downloading" {
				gate = h.up.HoldBody(fakepypi.FilesHost, "/packages/")
				defer gate.Release()
				first = h.goDo(http.MethodGet, path)
				select {
				case <-gate.Arrived():
				case r := <-first:
					t.Fatalf("the first request ended before its download reached upstream: %v", r.err)
				}
			}
			joined := joinedFiles(t)
			replies := make([]<-chan reply, len(tests))
			for i, tt := range tests {
				replies[i] = h.goDo(tt.method, path, tt.headers...)
			}
			if gate != nil {
				waitJoined(t, joined, len(tests))
				gate.Release()
				if r := <-first; r.err != nil || r.body != string(want) {
					t.Errorf("the download's first client: %v, %d bytes", r.err, len(r.body))
				}
			}
			for i, tt := range tests {
				r := <-replies[i]
				switch {
				case r.err != nil:
					t.Errorf("%s %v: %v", tt.method, tt.headers, r.err)
				case r.resp.StatusCode != tt.code || (tt.body != "" && r.body != tt.body):
					t.Errorf("%s %v: status %d (want %d), body %d bytes", tt.method, tt.headers, r.resp.StatusCode, tt.code, len(r.body))
				case tt.method == http.MethodHead && (r.body != "" || r.resp.ContentLength != int64(size) || r.resp.Header.Get("Accept-Ranges") != "bytes"):
					t.Errorf("HEAD: length %d, headers %v", r.resp.ContentLength, r.resp.Header)
				}
			}
		})
	}
	if n := h.up.Requests(fakepypi.FilesHost, "/packages/"); n != 1 {
		t.Errorf("files host saw %d requests, want 1", n)
	}
}

// TestHundredConcurrentColdRequestsOneFetch: upstream holds the file until
// the other 99 requests have joined the first one's download.
func TestHundredConcurrentColdRequestsOneFetch(t *testing.T) {
	h := newHarness(t, harnessOpts{noDemo: true})
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	h.up.Publish("bigproject", fakepypi.Release{Version: "1.0", Wheel: true})
	h.up.AddFile("bigproject", "1.0", "bigproject-1.0.tar.gz", big)
	path := filePath(h.fileLinks("bigproject")["bigproject-1.0.tar.gz"])
	gate := h.up.Hold(fakepypi.FilesHost, "/packages/")
	defer gate.Release()
	sum := sha256.Sum256(big)
	joined := joinedFiles(t)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			resp, body, err := h.try(http.MethodGet, path)
			if err != nil {
				t.Error(err)
				return
			}
			got := sha256.Sum256([]byte(body))
			if resp.StatusCode != 200 || got != sum {
				t.Errorf("status %d, %d bytes, sha256 %s", resp.StatusCode, len(body), hex.EncodeToString(got[:]))
			}
		})
	}
	waitJoined(t, joined, 99)
	gate.Release()
	wg.Wait()
	if n := h.up.Requests(fakepypi.FilesHost, "/packages/"); n != 1 {
		t.Errorf("100 concurrent cold requests made %d upstream GETs, want 1", n)
	}
}

func TestFileFaultsPublishNothing(t *testing.T) {
	tests := []struct {
		name  string
		fault fakepypi.Fault
		code  int // when the failure is known before the body starts
	}{
		{"corrupt", fakepypi.Fault{Kind: fakepypi.FaultCorrupt}, 0},
		{"truncated", fakepypi.Fault{Kind: fakepypi.FaultTruncate}, 0},
		{"reset", fakepypi.Fault{Kind: fakepypi.FaultReset}, 0},
		{"stall", fakepypi.Fault{Kind: fakepypi.FaultStall}, 0}, // until the proxy gives up
		{"503", fakepypi.Fault{Kind: fakepypi.FaultStatus, Status: 503}, 503},
		{"500", fakepypi.Fault{Kind: fakepypi.FaultStatus, Status: 500}, 502},
		{"down", fakepypi.Fault{Kind: fakepypi.FaultDown}, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg index.Config
			if tt.fault.Kind == fakepypi.FaultStall {
				cfg.DownloadIdleTimeout = time.Second // what ends the stall; only this case needs it short
			}
			h := newHarness(t, harnessOpts{cfg: cfg})
			wheel := "projectc-1.1-py3-none-any.whl"
			path := filePath(h.fileLinks("projectc")[wheel])
			want, _, _ := h.up.File("projectc", wheel)
			tt.fault.Host = fakepypi.FilesHost
			h.up.SetFault(tt.fault)
			code, body, complete := rawGet(t, h.http.URL+path)
			if tt.code != 0 && code != tt.code {
				t.Errorf("status %d, want %d", code, tt.code)
			}
			if complete && body == string(want) {
				t.Errorf("client got a complete response despite the fault")
			}
			if code == 404 {
				t.Errorf("an upstream failure became a 404")
			}
			if code == http.StatusInternalServerError {
				t.Errorf("an upstream failure became a 500, the proxy's own fault (want 502, 503 or 504)")
			}
			key := "web" + path
			if _, err := h.store.Stat(t.Context(), key); err == nil {
				t.Fatalf("a bad download was published")
			}
			h.up.ClearFaults()
			resp, body2 := h.get(path)
			if resp.StatusCode != 200 || body2 != string(want) {
				t.Errorf("after recovery: status %d, good body %v", resp.StatusCode, body2 == string(want))
			}
			if _, err := h.store.Stat(t.Context(), key); err != nil {
				t.Errorf("good download not published: %v", err)
			}
		})
	}
}

// rawGet reports the status, what body arrived, and whether the body was
// complete (no transport error while reading it).
func rawGet(t *testing.T, url string) (int, string, bool) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err == nil
}

func TestEvictionUnderBudget(t *testing.T) {
	dir := t.TempDir()
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	fakepypi.PublishDemo(up)
	var sizes int64
	for _, f := range []string{"projecta-1.0.tar.gz", "projectb-1.0.tar.gz", "projectc-1.0.tar.gz"} {
		data, _, _ := up.File(strings.SplitN(f, "-", 2)[0], f)
		sizes = max(sizes, int64(len(data)))
	}
	open := func() *cache.Budget {
		store, err := cache.NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := cache.NewBudget(store, cache.BudgetOptions{MaxBytes: 2*sizes + sizes/2, FlushInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	budget := open()
	h := newHarness(t, harnessOpts{up: up, dir: dir, budget: budget})
	get := func(project, file string) {
		resp, body := h.get(filePath(h.fileLinks(project)[file]))
		wantStatus(t, resp, body, 200)
	}
	get("projecta", "projecta-1.0.tar.gz")
	get("projectb", "projectb-1.0.tar.gz")
	get("projecta", "projecta-1.0.tar.gz") // a is now more recent than b
	get("projectc", "projectc-1.0.tar.gz") // over budget: b goes
	if _, err := budget.Evict(t.Context()); err != nil {
		t.Fatal(err)
	}
	exists := func(project, file string) bool {
		_, err := h.store.Stat(t.Context(), "web"+filePath(h.fileLinks(project)[file]))
		return err == nil
	}
	if exists("projectb", "projectb-1.0.tar.gz") || !exists("projecta", "projecta-1.0.tar.gz") || !exists("projectc", "projectc-1.0.tar.gz") {
		t.Errorf("LRU eviction kept the wrong files")
	}
	if _, err := h.store.Stat(t.Context(), cache.ProjectPageKey("projectb", cache.PageV1JSON)); err != nil {
		t.Errorf("an index page was evicted: %v", err)
	}
	// Across a restart the access order survives: touch c, restart, add b: a goes.
	get("projectc", "projectc-1.0.tar.gz")
	budget.Close()
	budget = open()
	h.budget = budget
	h.restart(index.Config{})
	get("projectb", "projectb-1.0.tar.gz")
	if _, err := budget.Evict(t.Context()); err != nil {
		t.Fatal(err)
	}
	if exists("projecta", "projecta-1.0.tar.gz") || !exists("projectc", "projectc-1.0.tar.gz") {
		t.Errorf("after restart, eviction ignored the persisted access order")
	}
	budget.Close()
}

// TestFileNamedUnlikeItsProject: a legacy file whose name does not start
// with its project's name is still found (the book remembers its owner).
func TestFileNamedUnlikeItsProject(t *testing.T) {
	h := newHarness(t, harnessOpts{noDemo: true})
	data := []byte("legacy sdist bytes")
	h.up.Publish("oddly-named", fakepypi.Release{Version: "1.0", Wheel: true})
	h.up.AddFile("oddly-named", "1.0", "SomethingElse-1.0.tar.gz", data)
	path := filePath(h.fileLinks("oddly-named")["SomethingElse-1.0.tar.gz"])
	resp, body := h.get(path)
	if resp.StatusCode != 200 || body != string(data) {
		t.Fatalf("status %d, body %q", resp.StatusCode, body)
	}
}
