package filter

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// friendlyPlatforms maps bandersnatch's exclude_platform names to wheel
// platform-tag globs and to substrings that mark legacy binaries (.egg, .exe,
// .msi, ...) built for that platform.
var friendlyPlatforms = map[string]struct{ tags, legacy []string }{
	"windows": {[]string{"win32", "win_*"}, []string{".win32", "-win32", "win_amd64", "win-amd64", "win_arm64", "win-arm64"}},
	"macos":   {[]string{"macosx_*"}, []string{"macosx"}},
	"freebsd": {[]string{"freebsd_*"}, []string{"freebsd"}},
	"linux":   {[]string{"linux_*", "manylinux*", "musllinux_*"}, []string{"linux"}},
}

// friendlyPython matches bandersnatch's python-version names, "py2.7", "py3.10".
var friendlyPython = regexp.MustCompile(`^py([23])\.([0-9]{1,2})$`)

// tagMatcher holds the compiled wheel-tag filters.
type tagMatcher struct {
	keepPlatform []string // globs; empty = all
	keepPython   []string
	dropPlatform []string
	dropPython   []string
	dropLegacy   []string // lower-case substrings of legacy binary filenames
}

func (m *tagMatcher) active() bool {
	return len(m.keepPlatform)+len(m.keepPython)+len(m.dropPlatform)+len(m.dropPython)+len(m.dropLegacy) > 0
}

func newTagMatcher(cfg Config) (tagMatcher, error) {
	var m tagMatcher
	var err error
	if m.keepPlatform, err = globs("Platforms", cfg.Platforms); err != nil {
		return m, err
	}
	if m.keepPython, err = globs("PythonTags", cfg.PythonTags); err != nil {
		return m, err
	}
	for _, raw := range cfg.ExcludePlatforms {
		name := strings.ToLower(strings.TrimSpace(raw))
		if fp, ok := friendlyPlatforms[name]; ok {
			m.dropPlatform = append(m.dropPlatform, fp.tags...)
			m.dropLegacy = append(m.dropLegacy, fp.legacy...)
			continue
		}
		if sm := friendlyPython.FindStringSubmatch(name); sm != nil {
			digits := sm[1] + sm[2]
			m.dropPython = append(m.dropPython, "cp"+digits, "py"+digits)
			m.dropLegacy = append(m.dropLegacy, "-py"+sm[1]+"."+sm[2])
			continue
		}
		g, err := globs("ExcludePlatforms", []string{name})
		if err != nil {
			return m, err
		}
		m.dropPlatform = append(m.dropPlatform, g...)
	}
	return m, nil
}

// globs lower-cases and validates tag globs (path.Match syntax).
func globs(field string, in []string) ([]string, error) {
	var out []string
	for _, g := range in {
		g = strings.ToLower(strings.TrimSpace(g))
		if g == "" {
			return nil, fmt.Errorf("filter: %s: empty pattern", field)
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("filter: %s: bad glob %q: %v", field, g, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// keep reports whether a file passes the tag filters. Sdists always pass.
// Legacy binaries are dropped when an include filter (Platforms, PythonTags)
// is set, since they carry no wheel tags to check, and when a friendly
// exclude name's marker occurs in their filename. Files of unknown type pass.
func (m *tagMatcher) keep(filename string) bool {
	kind, _ := classify(filename)
	switch kind {
	case kindSdist, kindUnknown:
		return true
	case kindLegacyBinary:
		if len(m.keepPlatform) > 0 || len(m.keepPython) > 0 {
			return false
		}
		lower := strings.ToLower(filename)
		for _, s := range m.dropLegacy {
			if strings.Contains(lower, s) {
				return false
			}
		}
		return true
	}
	w, err := ParseWheelName(filename)
	if err != nil {
		// A malformed .whl name: keep only when no tag filter asks about it.
		return !m.active()
	}
	if len(m.keepPlatform) > 0 && !anyMatch(m.keepPlatform, w.Platform) {
		return false
	}
	if len(m.keepPython) > 0 && !anyMatch(m.keepPython, w.Python) {
		return false
	}
	// An exclusion drops a wheel only when every tag of its compressed set is
	// excluded: "py2.py3" survives excluding py2.7, a wheel that is both
	// manylinux and musllinux survives excluding one of them.
	if len(m.dropPlatform) > 0 && allMatch(m.dropPlatform, w.Platform) {
		return false
	}
	if len(m.dropPython) > 0 && allMatch(m.dropPython, w.Python) {
		return false
	}
	return true
}

func matchAny(patterns []string, tag string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, tag); ok {
			return true
		}
	}
	return false
}

func anyMatch(patterns, tags []string) bool {
	for _, t := range tags {
		if matchAny(patterns, t) {
			return true
		}
	}
	return false
}

func allMatch(patterns, tags []string) bool {
	for _, t := range tags {
		if !matchAny(patterns, t) {
			return false
		}
	}
	return len(tags) > 0
}
