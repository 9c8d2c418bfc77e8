package fakepypi

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var pep503 = regexp.MustCompile(`[-_.]+`)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Foo_Bar", "a..b", "-x-", "zope.interface", "A-_.B", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.ToLower(pep503.ReplaceAllString(s, "-"))
		// strings.ToLower also folds non-ASCII; PEP 503 names are ASCII, compare on those only.
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return
			}
		}
		if got := Normalize(s); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestVersionOrder(t *testing.T) {
	want := []string{"0.9", "1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.1", "1.10", "2!0.1"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, compareVersions)
	if !slices.Equal(got, want) {
		t.Errorf("sorted %v, want %v", got, want)
	}
	if !parseVersion("2.0b1").isPrerelease() || parseVersion("2.0.post1").isPrerelease() {
		t.Error("isPrerelease")
	}
}
