package proxy

import "testing"

// TestJSONAPIKeepsPageMetadata: reading a project's PyPI JSON API document
// after its page must not make the page's PEP 658 metadata files vanish
// (the JSON API says nothing of them; its records only add files no page
// described).
func TestJSONAPIKeepsPageMetadata(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	meta := filePath(h.fileLinks("projectc")[wheel]) + ".metadata"
	resp, body := h.get("/pypi/projectc/json")
	wantStatus(t, resp, body, 200)
	resp, body = h.get(meta)
	wantStatus(t, resp, body, 200)
	want, _, _ := h.up.File("projectc", wheel+".metadata")
	if len(want) > 0 && body != string(want) {
		t.Errorf("metadata body %q, want %q", body, want)
	}
}
