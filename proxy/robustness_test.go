package proxy

import (
	"bytes"
	"context"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestClientHangupDoesNotAbortSharedDownload: the first client of a cold
// file goes away mid-download, after a second one has joined; the second
// still gets every byte, from the one upstream request.
func TestClientHangupDoesNotAbortSharedDownload(t *testing.T) {
	h := newHarness(t, harnessOpts{noDemo: true})
	data := bytes.Repeat([]byte("hangup"), 300_000) // ~1.8 MB
	h.up.Publish("slowone", fakepypi.Release{Version: "1.0", Wheel: true})
	h.up.AddFile("slowone", "1.0", "slowone-1.0.tar.gz", data)
	path := filePath(h.fileLinks("slowone")["slowone-1.0.tar.gz"])
	gate := h.up.HoldBody(fakepypi.FilesHost, "/packages/") // half the file, then a wait
	defer gate.Release()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.http.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.CopyN(io.Discard, resp.Body, 1000)
	joined := joinedFiles(t)
	second := h.goDo(http.MethodGet, path)
	waitJoined(t, joined, 1)
	cancel() // the first client hangs up
	resp.Body.Close()
	gate.Release()
	if r := <-second; r.err != nil || r.body != string(data) {
		t.Fatalf("the joined client got %d bytes, want %d (%v)", len(r.body), len(data), r.err)
	}
	if n := h.up.Requests(fakepypi.FilesHost, "/packages/"); n != 1 {
		t.Errorf("%d upstream requests, want 1", n)
	}
	if _, err := h.store.Stat(t.Context(), "web"+path); err != nil {
		t.Errorf("file not published after the first client left: %v", err)
	}
}

// TestServesExistingBandersnatchMirror: a bandersnatch tree (HTML pages
// only, relative links) is served as it is, offline.
func TestServesExistingBandersnatchMirror(t *testing.T) {
	dir := t.TempDir()
	file := "web/packages/ab/cd/" + strings.Repeat("e", 60) + "/oldproj-1.0-py3-none-any.whl"
	content := []byte("wheel bytes")
	page := `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.0">
    <title>Links for oldproj</title>
  </head>
  <body>
    <h1>Links for oldproj</h1>
    <a href="../../packages/ab/cd/` + strings.Repeat("e", 60) + `/oldproj-1.0-py3-none-any.whl#sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" data-requires-python="&gt;=3.8">oldproj-1.0-py3-none-any.whl</a><br/>
  </body>
</html>
<!--SERIAL 4242-->`
	for name, data := range map[string][]byte{
		"web/simple/oldproj/index.html": []byte(page),
		file:                            content,
		"web/simple/index.html":         []byte(`<html><body><a href="oldproj/">oldproj</a></body></html>`),
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	h := newHarness(t, harnessOpts{dir: dir, cfg: index.Config{Offline: true}, noDemo: true})
	resp, body := h.get("/simple/oldproj/", jsonAccept)
	wantStatus(t, resp, body, 200)
	if !strings.Contains(body, `"url":"../../packages/ab/cd/`) || !strings.Contains(body, `"requires-python":">=3.8"`) {
		t.Errorf("JSON from a bandersnatch HTML page: %s", body)
	}
	resp, body = h.get("/simple/oldproj/")
	wantStatus(t, resp, body, 200)
	if body != page {
		t.Errorf("HTML page not served as stored")
	}
	resp, body = h.get("/" + strings.TrimPrefix(file, "web/"))
	wantStatus(t, resp, body, 200)
	if body != string(content) {
		t.Errorf("file: %q", body)
	}
	resp, body = h.get("/simple/", jsonAccept)
	wantStatus(t, resp, body, 200)
	if !strings.Contains(body, `"name":"oldproj"`) {
		t.Errorf("root: %s", body)
	}
}

// TestFullDisk: on a cache directory that fills up, a new download fails
// cleanly (the client's response is cut, nothing published) and what was
// cached before is intact and still served.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	spool := filepath.Join(dir, ".spool") // on the small disk too, as serve does
	os.MkdirAll(spool, 0o755)
	h := newHarness(t, harnessOpts{dir: dir, noDemo: true, cfg: index.Config{SpoolDir: spool}})

	small := bytes.Repeat([]byte("s"), 100_000)
	big := bytes.Repeat([]byte("b"), 4<<20)
	h.up.Publish("diskproj", fakepypi.Release{Version: "1.0", Wheel: true})
	h.up.AddFile("diskproj", "1.0", "diskproj-1.0.tar.gz", small)
	h.up.AddFile("diskproj", "1.0", "diskproj-1.0.zip", big)
	links := h.fileLinks("diskproj")
	smallPath, bigPath := filePath(links["diskproj-1.0.tar.gz"]), filePath(links["diskproj-1.0.zip"])
	if resp, body := h.get(smallPath); resp.StatusCode != 200 || body != string(small) {
		t.Fatalf("small file: %d", resp.StatusCode)
	}
	code, body, complete := rawGet(t, h.http.URL+bigPath)
	if complete && code == 200 && body == string(big) {
		t.Fatal("a file larger than the disk was served complete")
	}
	if _, err := h.store.Stat(t.Context(), "web"+bigPath); err == nil {
		t.Error("a file that did not fit was published")
	}
	if resp, body := h.get(smallPath); resp.StatusCode != 200 || body != string(small) {
		t.Errorf("the cached file was damaged: %d", resp.StatusCode)
	}
	if resp, body := h.get("/simple/diskproj/", jsonAccept); resp.StatusCode != 200 {
		t.Errorf("the page is no longer served: %d %s", resp.StatusCode, body)
	}
}

// TestClientJoinsMirrorDownload: a client asking for a file the mirror is
// fetching (no spool) gets it once it is published, from one upstream GET.
func TestClientJoinsMirrorDownload(t *testing.T) {
	h := newHarness(t, harnessOpts{noDemo: true})
	data := bytes.Repeat([]byte("m"), 500_000)
	h.up.Publish("mirrored", fakepypi.Release{Version: "1.0", Wheel: true})
	h.up.AddFile("mirrored", "1.0", "mirrored-1.0.tar.gz", data)
	path := filePath(h.fileLinks("mirrored")["mirrored-1.0.tar.gz"])
	gate := h.up.Hold(fakepypi.FilesHost, "/packages/")
	defer gate.Release()
	done := make(chan error, 1)
	go func() { _, err := h.idx.FetchFile(context.Background(), "web"+path); done <- err }()
	select { // the mirror's download is in flight
	case <-gate.Arrived():
	case err := <-done:
		t.Fatalf("the mirror's download ended before asking upstream: %v", err)
	}
	joined := joinedFiles(t)
	client := h.goDo(http.MethodGet, path)
	waitJoined(t, joined, 1)
	gate.Release()
	r := <-client
	if r.err != nil || r.resp.StatusCode != 200 || r.body != string(data) {
		t.Fatalf("joined client: %v, %d bytes", r.err, len(r.body))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := h.up.Requests(fakepypi.FilesHost, "/packages/"); n != 1 {
		t.Errorf("%d upstream GETs, want 1", n)
	}
}
