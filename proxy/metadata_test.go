package proxy

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// counterValue reads a counter of the default registry (0 when absent).
func counterValue(t *testing.T, name, label, value string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestMetadataMismatchNeverServed: upstream metadata whose bytes do not
// match the page's sha256 is neither served (not one byte: a 502 before
// the body) nor cached, and is counted; once upstream is right again the
// same request is served and cached.
func TestMetadataMismatchNeverServed(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel]) + ".metadata"
	_, upPath, _ := h.up.File("projectc", wheel)
	want, _ := h.up.Metadata("projectc", wheel)
	key, _ := cache.KeyForPackagePath(path)

	before := counterValue(t, "pypi_proxy_download_failures_total", "reason", "hash_mismatch")
	h.up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, PathPrefix: upPath + ".metadata", Kind: fakepypi.FaultCorrupt})
	resp, body := h.get(path)
	wantStatus(t, resp, body, 502)
	if !strings.Contains(body, "sha256 mismatch") || strings.Contains(body, "Metadata-Version") {
		t.Errorf("mismatch body %q", body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("mismatch Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	if _, err := h.store.Stat(t.Context(), key); err == nil {
		t.Error("a mismatching metadata file was cached")
	}
	// The failure is counted when the download ends, which can follow the
	// client's response: wait for it.
	var got float64
	waitFor(t, "the mismatch counted", func() bool {
		got = counterValue(t, "pypi_proxy_download_failures_total", "reason", "hash_mismatch")
		return got >= before+1
	})
	if got != before+1 {
		t.Errorf("hash_mismatch failures %v, want %v", got, before+1)
	}

	h.up.ClearFaults()
	resp, body = h.get(path)
	wantStatus(t, resp, body, 200)
	if body != string(want) {
		t.Errorf("metadata %q, want %q", body, want)
	}
	if _, err := h.store.Stat(t.Context(), key); err != nil {
		t.Errorf("verified metadata not cached: %v", err)
	}
}

// TestMetadataWithoutHashNotCached: metadata a page advertises with no
// hash (core-metadata true) is served whole as upstream sent it, never
// cached (nothing to verify it against): each request asks upstream.
func TestMetadataWithoutHashNotCached(t *testing.T) {
	h := newHarness(t, harnessOpts{noDemo: true})
	h.up.Publish("unhashed", fakepypi.Release{Version: "1.0", Wheel: true, MetadataUnhashed: true})
	wheel := "unhashed-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("unhashed")[wheel]) + ".metadata"
	_, upPath, _ := h.up.File("unhashed", wheel)
	want, _ := h.up.Metadata("unhashed", wheel)
	for i := range 2 {
		resp, body := h.get(path)
		wantStatus(t, resp, body, 200)
		if body != string(want) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("request %d: Cache-Control %q, body %q", i, resp.Header.Get("Cache-Control"), body)
		}
	}
	if n := h.up.Requests(fakepypi.FilesHost, upPath+".metadata"); n != 2 {
		t.Errorf("upstream saw %d metadata requests, want 2 (never cached)", n)
	}
}
