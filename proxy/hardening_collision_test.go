package proxy

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPathCollisionBetweenProjects: a second project whose page claims
// the /packages/aa/bb/... path of another's file (served elsewhere, with
// its own bytes and hash) gets nothing cached under that path, and the
// path keeps serving the first project's file.
func TestPathCollisionBetweenProjects(t *testing.T) {
	evilBytes := []byte("not the wheel the path names")
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(evilBytes) }))
	defer evil.Close()
	h := newHarness(t, harnessOpts{trusted: []string{strings.TrimPrefix(evil.URL, "http://")}})
	wheel := "projectc-1.0-py3-none-any.whl"
	want, realPath, _ := h.up.File("projectc", wheel)
	h.up.AddFile("evilproj", "1.0", wheel, evilBytes)
	h.up.Relink("evilproj", wheel, evil.URL+realPath, sha256hex(evilBytes))
	link, ok := h.fileLinks("evilproj")[wheel]
	if !ok || filePath(link) != realPath {
		t.Fatalf("the colliding link is not served as %s: %q", realPath, link)
	}
	if code, body, complete := rawGet(t, h.http.URL+realPath); code == 200 && complete && body == string(evilBytes) {
		t.Fatal("another project's bytes were served under the path")
	}
	h.fileLinks("projectc")
	resp, body := h.get(realPath)
	wantStatus(t, resp, body, 200)
	if body != string(want) {
		t.Fatalf("the path serves %q, not the file it names", body)
	}
}
