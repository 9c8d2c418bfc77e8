package cache

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	long := strings.Repeat("a", MaxSegmentLen)
	tests := []struct {
		key string
		ok  bool
	}{
		{"status", true},
		{"web/simple/numpy/index.v1_json", true},
		{"web/packages/aa/bb/cc/numpy-1.0-cp312-none-any.whl", true},
		{"a/.lock", true},
		{"a/..b/c.", true},
		{"dir with space/ü", true},
		{long, true},
		{long + "a", false},
		{strings.Repeat("abcdefg/", 128)[:MaxKeyLen-1] + "h", true},
		{strings.Repeat("abcdefg/", 128)[:MaxKeyLen-1] + "hi", false},
		{"", false},
		{"/abs", false},
		{"a/", false},
		{"a//b", false},
		{"../x", false},
		{"a/../b", false},
		{"a/..", false},
		{"..", false},
		{".", false},
		{"a/./b", false},
		{`a\b`, false},
		{`C:\x`, false},
		{"a\x00b", false},
		{"a\nb", false},
		{"a\x7fb", false},
		{".tmp-x", false},
		{"a/.tmp-123/b", false},
		{"a/\xff", false},
	}
	for _, tt := range tests {
		err := ValidKey(tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("ValidKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) error %v does not wrap ErrInvalidKey", tt.key, err)
		}
	}
}

// FuzzValidKey checks that every accepted key, joined under a root with
// filepath.Join, stays strictly inside that root and round-trips.
func FuzzValidKey(f *testing.F) {
	f.Add("web/simple/numpy/index.html")
	f.Fuzz(func(t *testing.T, key string) {
		if ValidKey(key) != nil {
			return
		}
		root := filepath.FromSlash("/srv/mirror")
		p := filepath.Join(root, filepath.FromSlash(key))
		rel, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatalf("Rel(%q): %v", p, err)
		}
		if rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			t.Fatalf("key %q escapes root: %q", key, p)
		}
		if filepath.ToSlash(rel) != key {
			t.Fatalf("key %q not clean: joins to %q", key, rel)
		}
		if !filepath.IsLocal(filepath.FromSlash(key)) {
			t.Fatalf("key %q is not local", key)
		}
	})
}
