package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// internalService is a loopback service that is not one of the upstream's
// hosts (another port): the SSRF target.
func internalService(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("internal secrets"))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestFileLinkToUntrustedHostRefused: a page linking a file on a host the
// upstream is not trusted for (here a loopback service on another port)
// never makes the proxy connect there.
func TestFileLinkToUntrustedHostRefused(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	internal, hits := internalService(t)
	wheel := "projectc-1.0-py3-none-any.whl"
	_, realPath, _ := h.up.File("projectc", wheel)
	want, _, _ := h.up.File("projectc", wheel)
	sum := sha256hex(want)
	h.up.Relink("projectc", wheel, internal.URL+realPath, sum)
	link, ok := h.fileLinks("projectc")[wheel]
	if ok {
		resp, body := h.get(filePath(link))
		if resp.StatusCode == 200 {
			t.Errorf("a file from an untrusted host was served: %.60q", body)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the proxy made %d requests to an untrusted loopback service", n)
	}
}

// TestFileWithoutHashRefused: a file whose page gives no sha256 is left out
// of the served page and never fetched; --allow-unverified-files serves it.
func TestFileWithoutHashRefused(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	_, realPath, _ := h.up.File("projectc", wheel)
	h.up.Relink("projectc", wheel, "", "")
	if _, ok := h.fileLinks("projectc")[wheel]; ok {
		t.Error("a file with no sha256 is linked in the served page")
	}
	h.up.ResetCounts()
	resp, _ := h.get(realPath)
	if n := h.up.Requests(fakepypi.FilesHost, ""); resp.StatusCode == 200 || n > 0 {
		t.Errorf("a file with no sha256: status %d, %d requests to the files host", resp.StatusCode, n)
	}

	u := newHarness(t, harnessOpts{up: h.up, cfg: index.Config{AllowUnverified: true}})
	link, ok := u.fileLinks("projectc")[wheel]
	if !ok {
		t.Fatal("AllowUnverified: the file is not linked")
	}
	resp, body := u.get(filePath(link))
	want, _, _ := h.up.File("projectc", wheel)
	if resp.StatusCode != 200 || body != string(want) {
		t.Errorf("AllowUnverified: status %d, body ok %v", resp.StatusCode, body == string(want))
	}
}

// TestUpperCaseHashCached: a page giving the sha256 in upper case still
// gets its file verified and cached.
func TestUpperCaseHashCached(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	want, _, _ := h.up.File("projectc", wheel)
	h.up.Relink("projectc", wheel, "", strings.ToUpper(sha256hex(want)))
	path := filePath(h.fileLinks("projectc")[wheel])
	resp, body := h.get(path)
	wantStatus(t, resp, body, 200)
	if resp, _ = h.get(path); resp.Header.Get("X-Cache") != "HIT" {
		t.Errorf("second request: X-Cache %q, want HIT (the file was never cached)", resp.Header.Get("X-Cache"))
	}
}
