package proxy

import (
	"strings"
	"testing"
)

// FuzzCheckRanges: whatever the Range header, the vetted one asks for at
// most 16 ranges, never a zero-byte suffix, and unsatisfiable means no
// header is left.
func FuzzCheckRanges(f *testing.F) {
	f.Add("bytes=0-9")
	f.Add("bytes=-0")
	f.Add("bytes=-0,0-1,-00")
	f.Add("bytes=" + strings.Repeat("0-0,", 40))
	f.Add("bytes=, ,-,--1")
	f.Fuzz(func(t *testing.T, h string) {
		out, unsat := checkRanges(h, 16)
		if unsat && out != "" {
			t.Fatalf("checkRanges(%q): unsatisfiable with header %q", h, out)
		}
		spec, ok := strings.CutPrefix(out, "bytes=")
		if !ok {
			return
		}
		parts := strings.Split(spec, ",")
		if len(parts) > 16 {
			t.Fatalf("checkRanges(%q) = %d ranges", h, len(parts))
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); len(p) > 1 && p[0] == '-' && strings.Trim(p[1:], "0") == "" {
				t.Fatalf("checkRanges(%q) kept a zero-byte suffix %q", h, p)
			}
		}
	})
}
