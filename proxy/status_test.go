package proxy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStatusPageAndJSON: GET / is a page for people that says what to give
// pip (with the address the client used), health, cache, mirror and the
// recent downloads, with no external assets; /status is the same in JSON.
func TestStatusPageAndJSON(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.srv.cfg.Status = StatusSources{Version: "test", Upstream: h.up.IndexURL(),
		MirrorUpstreamSerial: func() (int64, bool) { return 50, true }}
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel])
	h.get(path)
	h.get(path)
	os.WriteFile(filepath.Join(h.dir, "status"), []byte("42\n"), 0o644)
	os.MkdirAll(filepath.Join(h.dir, "web"), 0o755)
	os.WriteFile(filepath.Join(h.dir, "web", "last-modified"), []byte("20250101T10:00:00\n"), 0o644)

	// The server records a request after its response went out: wait for
	// the three to be counted.
	waitFor(t, "three requests counted", func() bool {
		var r statusReport
		_, body := h.get("/status")
		return json.Unmarshal([]byte(body), &r) == nil && r.Cache.Requests >= 3 && len(r.Downloads) == 2
	})
	resp, body := h.get("/")
	wantStatus(t, resp, body, 200)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		"pip install --index-url " + h.http.URL + "/simple/ PACKAGE", "UV_DEFAULT_INDEX=" + h.http.URL + "/simple/",
		"poetry source add", "reachable", wheel, "Hit ratio", "33.3% of 3 requests", "Last synced serial", "42", "lag: 8", "/status",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the status page lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?i)<script|<link[^>]+stylesheet|src="http|url\(http`).MatchString(body) {
		t.Error("the status page loads external assets or scripts")
	}

	resp, body = h.get("/status")
	wantStatus(t, resp, body, 200)
	var r statusReport
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.IndexURL != h.http.URL+"/simple/" || !r.Upstream.OK || r.Mirror.LastSerial != 42 || r.Mirror.Lag != 8 ||
		len(r.Downloads) != 2 || r.Downloads[0].Cache != "hit" || r.Downloads[1].Cache != "miss" || r.Cache.Requests < 3 {
		t.Errorf("/status: %s", body)
	}
}
