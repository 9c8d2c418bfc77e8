package index

import (
	"slices"
	"testing"
)

// nameTells is the fast form of "project is among projectCandidates".
func TestNameTellsAgreesWithCandidates(t *testing.T) {
	files := []string{
		"genpkg_000000-1.0.0-py3-none-any.whl", "Foo.Bar-2.0.tar.gz", "foo_bar-2.0-py3-none-any.whl",
		"python-dateutil-2.9.0.tar.gz", "zope.interface-6.0-cp312-cp312-manylinux_2_17_x86_64.whl",
		"a-1.whl", "nodash.tar.gz", "-1.0.tar.gz", "x--y-1.0.tar.gz", "UPPER-1.0.zip",
	}
	projects := []string{"genpkg-000000", "foo-bar", "python-dateutil", "python", "zope-interface", "a", "x-y", "upper", "x", "nodash"}
	for _, f := range files {
		for _, p := range projects {
			want := slices.Contains(projectCandidates(f), p)
			if got := nameTells(f, p); got != want {
				t.Errorf("nameTells(%q, %q) = %v, projectCandidates says %v", f, p, got, want)
			}
		}
	}
}
