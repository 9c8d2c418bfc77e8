package filter

import (
	"regexp"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

// releaseFilter holds the release-level filters that apply to one project.
type releaseFilter struct {
	allow      []*pep440.Specifiers // nil = every version allowed
	block      []*pep440.Specifiers
	excludePre bool
	regexes    []*regexp.Regexp
}

func (s *Set) releaseFilters(project string) releaseFilter {
	return releaseFilter{
		allow:      s.allowSpecs(project),
		block:      s.blockReleases[project],
		excludePre: s.excludePre && (s.preProjects == nil || s.preProjects[project]),
		regexes:    s.releaseRe,
	}
}

func (f releaseFilter) active() bool {
	return f.allow != nil || len(f.block) > 0 || f.excludePre || len(f.regexes) > 0
}

func (f releaseFilter) keep(r *release) bool {
	if f.excludePre && r.valid && r.ver.IsPreRelease() {
		return false
	}
	if matchesAny(f.regexes, r.display) {
		return false
	}
	for _, b := range f.block {
		if r.valid && check(b, r.ver) {
			return false
		}
	}
	if f.allow == nil {
		return true
	}
	for _, a := range f.allow {
		if r.valid && check(a, r.ver) {
			return true
		}
	}
	return false
}

// check guards the library's Check, which re-parses versions with MustParse:
// a panic there means "no match" rather than a crashed mirror.
func check(s *pep440.Specifiers, v pep440.Version) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return s.Check(v)
}
