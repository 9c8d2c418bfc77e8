package filter

import (
	"cmp"
	"slices"
	"strings"
	"time"

	pep440 "github.com/aquasecurity/go-pep440-version"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// release is one version of a project while Page decides about it.
type release struct {
	display   string // as upstream lists it (Versions), else as in a filename
	ver       pep440.Version
	valid     bool // display parses as a PEP 440 version
	keep      bool // passes the release-level filters
	hadFiles  bool
	survivors int // files left after every filter
}

// Page removes from p the files and versions the Set filters out. It is safe
// for concurrent use on different pages.
//
// A file's version comes from its filename (wheel: second component; sdist and
// legacy binaries: what follows the project name). Versions are compared in
// PEP 440 canonical form, so "1.0rc1" in Versions and "1.0-rc1" in a filename
// are one release. A file whose version cannot be derived is kept unless a
// release-level filter (specifiers, ExcludePrereleases, ReleaseRegex,
// KeepLatest) applies to the project. A version that is not valid PEP 440
// fails allowlist specifiers, never matches blocklist specifiers, is not a
// pre-release, and sorts below every valid version for KeepLatest.
//
// p.Versions keeps its order and nil-ness; a version stays only when it passes
// the release-level filters and still has a file, or never had one upstream
// (PEP 700 allows file-less versions) and KeepLatest is not set. So a release
// whose files were all dropped by file-level filters (platform, size,
// cooldown) disappears from Versions as well.
func (s *Set) Page(p *simple.Project) {
	if !s.active || p == nil {
		return
	}
	name := simple.Normalize(p.Name)
	rels := map[string]*release{}
	keyOf := map[string]string{} // display -> canonical, each version string parsed once
	get := func(v string) string {
		if k, ok := keyOf[v]; ok {
			return k
		}
		k, ver, ok := versionKey(v)
		keyOf[v] = k
		if _, seen := rels[k]; !seen {
			rels[k] = &release{display: v, ver: ver, valid: ok}
		}
		return k
	}
	for _, v := range p.Versions {
		get(v)
	}
	keys := make([]string, len(p.Files))
	for i := range p.Files {
		if v := fileVersion(name, p.Files[i].Filename); v != "" {
			keys[i] = get(v)
			rels[keys[i]].hadFiles = true
		}
	}

	releaseFilters := s.releaseFilters(name)
	for _, r := range rels {
		r.keep = releaseFilters.keep(r)
	}
	unknownOK := !releaseFilters.active() && s.keepLatest == 0
	kept := make([]bool, len(p.Files))
	now := s.now()
	for i := range p.Files {
		if keys[i] == "" && !unknownOK || keys[i] != "" && !rels[keys[i]].keep {
			continue
		}
		if !s.fileKeep(&p.Files[i], now) {
			continue
		}
		kept[i] = true
		if keys[i] != "" {
			rels[keys[i]].survivors++
		}
	}
	s.applyKeepLatest(rels)
	for i := range kept {
		kept[i] = kept[i] && (keys[i] == "" || rels[keys[i]].keep)
	}
	s.applyProjectSize(p.Files, kept, rels)

	out := p.Files[:0]
	for i := range p.Files {
		if kept[i] {
			out = append(out, p.Files[i])
		}
	}
	clear(p.Files[len(out):])
	p.Files = out
	if p.Versions != nil {
		versions := make([]string, 0, len(p.Versions))
		for _, v := range p.Versions {
			r := rels[keyOf[v]]
			if r.keep && (r.survivors > 0 || !r.hadFiles && s.keepLatest == 0) {
				versions = append(versions, v)
			}
		}
		p.Versions = versions
	}
}

// versionKey is the canonical PEP 440 form of v, or v lower-cased when v is
// not a valid version. Results are memoized: pep440.Parse is a regular
// expression match, and a mirror meets the same version strings ("1.0.0")
// in project after project.
func versionKey(v string) (string, pep440.Version, bool) {
	if pv, ok := versionMemo.get(v); ok {
		return pv.key, pv.ver, pv.ok
	}
	var pv parsedVersion
	ver, err := pep440.Parse(v)
	if err != nil {
		pv = parsedVersion{key: strings.ToLower(strings.TrimSpace(v))}
	} else {
		pv = parsedVersion{key: ver.String(), ver: ver, ok: true}
	}
	versionMemo.put(v, pv)
	return pv.key, pv.ver, pv.ok
}

// fileKeep applies the file-level filters.
func (s *Set) fileKeep(f *simple.File, now time.Time) bool {
	if s.maxFileSize > 0 && f.Size > s.maxFileSize {
		return false
	}
	if s.cooldown > 0 && f.UploadTime != "" {
		if t, err := time.Parse(time.RFC3339, f.UploadTime); err == nil && now.Sub(t) < s.cooldown {
			return false
		}
	}
	return s.tags.keep(f.Filename)
}

// applyKeepLatest keeps the newest KeepLatest releases among those with files left.
func (s *Set) applyKeepLatest(rels map[string]*release) {
	if s.keepLatest <= 0 {
		return
	}
	var live []*release
	for _, r := range rels {
		if r.keep && r.survivors > 0 {
			live = append(live, r)
		}
	}
	slices.SortFunc(live, func(a, b *release) int { // newest first
		switch {
		case a.valid && b.valid:
			return b.ver.Compare(a.ver)
		case a.valid != b.valid:
			if a.valid {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.display, a.display)
	})
	for i, r := range live {
		if i >= s.keepLatest {
			r.keep = false
		}
	}
	for _, r := range rels {
		if r.survivors == 0 {
			r.keep = false // file-less versions do not outlive the cut
		}
	}
}

// applyProjectSize drops everything when the kept files exceed MaxProjectSize.
func (s *Set) applyProjectSize(files []simple.File, kept []bool, rels map[string]*release) {
	if s.maxProject <= 0 {
		return
	}
	var total int64
	for i := range files {
		if kept[i] && files[i].Size > 0 {
			total += files[i].Size
		}
	}
	if total <= s.maxProject {
		return
	}
	for i := range kept {
		kept[i] = false
	}
	for _, r := range rels {
		r.keep = false
	}
}
