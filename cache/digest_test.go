package cache

import (
	"strings"
	"testing"
)

func TestPackageDigest(t *testing.T) {
	d := strings.Repeat("ab", 32)
	key := PackagesPrefix + d[:2] + "/" + d[2:4] + "/" + d[4:] + "/x-1.0.tar.gz"
	if got, ok := PackageDigest(key); !ok || got != d {
		t.Errorf("PackageDigest(%q) = %q, %v", key, got, ok)
	}
	for _, k := range []string{key + ".metadata", PackagesPrefix + "ab/cd/ef/x-1.0.tar.gz", "web/simple/x/index.html"} {
		if got, ok := PackageDigest(k); ok {
			t.Errorf("PackageDigest(%q) = %q, want none", k, got)
		}
	}
}

// FuzzPackageDigest: a digest is only ever 64 lower-case hex digits, and
// exactly the ones the key's path spells.
func FuzzPackageDigest(f *testing.F) {
	d := strings.Repeat("0f", 32)
	f.Add(PackagesPrefix + d[:2] + "/" + d[2:4] + "/" + d[4:] + "/x-1.0.tar.gz")
	f.Add(PackagesPrefix + "ab/cd/ef/x.whl")
	f.Add(PackagesPrefix + d[:2] + "/" + d[2:4] + "/" + d[4:] + "/x.whl.metadata")
	f.Fuzz(func(t *testing.T, key string) {
		got, ok := PackageDigest(key)
		if !ok {
			return
		}
		if len(got) != 64 || !isHex(got) {
			t.Fatalf("PackageDigest(%q) = %q", key, got)
		}
		if !strings.HasPrefix(key, PackagesPrefix+got[:2]+"/"+got[2:4]+"/"+got[4:]+"/") {
			t.Fatalf("PackageDigest(%q) = %q, not the path's", key, got)
		}
	})
}
