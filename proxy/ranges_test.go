package proxy

import (
	"net/http"
	"strings"
	"testing"
)

func TestCheckRanges(t *testing.T) {
	tests := []struct {
		in, out string
		unsat   bool
	}{
		{"bytes=0-9", "bytes=0-9", false},
		{"bytes=-0", "", true},
		{"bytes=-00", "", true},
		{"bytes=-0,0-1", "bytes=0-1", false},
		{"bytes=-5", "bytes=-5", false},
		{"bytes=" + strings.Repeat("0-0,", 16) + "1-1", "", false},
		{"bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 16), ","), "bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 16), ","), false},
		{"items=0-1", "items=0-1", false},
	}
	for _, tt := range tests {
		out, unsat := checkRanges(tt.in, 16)
		if out != tt.out || unsat != tt.unsat {
			t.Errorf("checkRanges(%q) = %q, %v; want %q, %v", tt.in, out, unsat, tt.out, tt.unsat)
		}
	}
}

// TestRangeAbuse: "bytes=-0" is a 416, and a thousand one-byte ranges get
// the plain file rather than a response many times its size.
func TestRangeAbuse(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel])
	want, _, _ := h.up.File("projectc", wheel)
	h.get(path) // cached
	resp, body := h.get(path, "Range: bytes=-0")
	wantStatus(t, resp, body, http.StatusRequestedRangeNotSatisfiable)
	many := "bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 1000), ",")
	resp, body = h.get(path, "Range: "+many)
	if len(body) > len(want) {
		t.Errorf("1000 one-byte ranges: %d bytes for a %d-byte file (status %d)", len(body), len(want), resp.StatusCode)
	}
}
