package filter

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// ErrNotWheel is wrapped by ParseWheelName's errors.
var ErrNotWheel = errors.New("not a wheel filename")

// Wheel is a parsed wheel filename (PEP 427 / binary distribution format):
// {dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl. The tag fields
// hold the compressed tag sets split on '.', lower-cased
// ("py2.py3" -> ["py2", "py3"]).
type Wheel struct {
	Name     string // distribution name as written (not normalized)
	Version  string // version as written (wheels write '-' as '_')
	Build    string // optional build tag; "" when absent
	Python   []string
	ABI      []string
	Platform []string
}

// ParseWheelName parses a wheel filename. It checks the shape only: five or six
// non-empty '-'-separated components before ".whl", a build tag that starts
// with a digit, and non-empty tags inside each compressed tag set.
func ParseWheelName(filename string) (Wheel, error) {
	stem, ok := cutSuffixFold(filename, ".whl")
	if !ok {
		return Wheel{}, fmt.Errorf("%w: %q has no .whl suffix", ErrNotWheel, filename)
	}
	parts := strings.Split(stem, "-")
	var w Wheel
	switch len(parts) {
	case 5:
		w = Wheel{Name: parts[0], Version: parts[1]}
	case 6:
		w = Wheel{Name: parts[0], Version: parts[1], Build: parts[2]}
		if w.Build == "" || w.Build[0] < '0' || w.Build[0] > '9' {
			return Wheel{}, fmt.Errorf("%w: %q: build tag %q must start with a digit", ErrNotWheel, filename, w.Build)
		}
	default:
		return Wheel{}, fmt.Errorf("%w: %q has %d '-'-separated components, want 5 or 6", ErrNotWheel, filename, len(parts))
	}
	if w.Name == "" || w.Version == "" {
		return Wheel{}, fmt.Errorf("%w: %q: empty name or version", ErrNotWheel, filename)
	}
	tags := parts[len(parts)-3:]
	sets := make([][]string, 3)
	for i, t := range tags {
		set := strings.Split(strings.ToLower(t), ".")
		for _, s := range set {
			if s == "" {
				return Wheel{}, fmt.Errorf("%w: %q: empty tag in %q", ErrNotWheel, filename, t)
			}
		}
		sets[i] = set
	}
	w.Python, w.ABI, w.Platform = sets[0], sets[1], sets[2]
	return w, nil
}

// fileKind classifies a distribution file by its filename.
type fileKind int

const (
	kindUnknown fileKind = iota
	kindWheel
	kindSdist
	kindLegacyBinary // .egg, .exe, .msi, .dmg, .rpm, .deb: pre-wheel binaries
)

var sdistExts = []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tar.z", ".tgz", ".tbz", ".tar", ".zip"}
var legacyExts = []string{".egg", ".exe", ".msi", ".dmg", ".rpm", ".deb"}

// classify returns the kind of filename and its stem (filename without the
// distribution extension).
func classify(filename string) (fileKind, string) {
	if stem, ok := cutSuffixFold(filename, ".whl"); ok {
		return kindWheel, stem
	}
	for _, ext := range sdistExts {
		if stem, ok := cutSuffixFold(filename, ext); ok {
			return kindSdist, stem
		}
	}
	for _, ext := range legacyExts {
		if stem, ok := cutSuffixFold(filename, ext); ok {
			return kindLegacyBinary, stem
		}
	}
	return kindUnknown, filename
}

// fileVersion derives the version a file belongs to from its filename, given
// the project's normalized name. It returns "" when it cannot tell: the caller
// then keeps the file only while no release-level filter applies.
func fileVersion(project, filename string) string {
	kind, stem := classify(filename)
	switch kind {
	case kindWheel:
		w, err := ParseWheelName(filename)
		if err != nil {
			return ""
		}
		return w.Version
	case kindSdist, kindLegacyBinary:
		rest := afterProjectName(project, stem)
		if rest == "" {
			return ""
		}
		if kind == kindLegacyBinary {
			rest = trimLegacyTags(rest)
		}
		return rest
	}
	return ""
}

// afterProjectName returns what follows "<name>-" in stem, where <name>
// normalizes to project ("zope.interface-5.0" for "zope-interface" gives "5.0").
// When no prefix normalizes to project, it falls back to the text after the
// first '-' that is followed by a digit.
func afterProjectName(project, stem string) string {
	for i := 0; i < len(stem); i++ {
		if stem[i] == '-' && simple.Normalize(stem[:i]) == project {
			return stem[i+1:]
		}
	}
	for i := 0; i+1 < len(stem); i++ {
		if stem[i] == '-' && stem[i+1] >= '0' && stem[i+1] <= '9' {
			return stem[i+1:]
		}
	}
	return ""
}

// trimLegacyTags cuts the platform and python suffixes off the version part of
// an egg or bdist_wininst/bdist_msi/bdist_dumb name:
// "1.0-py2.7-linux-x86_64" (egg), "1.0.win32-py2.7" and "1.0.linux-x86_64" (exe).
func trimLegacyTags(rest string) string {
	if i := strings.Index(rest, "-py"); i > 0 {
		rest = rest[:i]
	}
	for _, marker := range []string{".win32", ".win-", ".linux-", ".macosx-", ".freebsd-", ".cygwin-"} {
		if i := strings.Index(strings.ToLower(rest), marker); i > 0 {
			rest = rest[:i]
		}
	}
	if i := strings.IndexByte(rest, '-'); i > 0 {
		rest = rest[:i]
	}
	return rest
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// FileVersion is the version a distribution filename of project carries
// ("" when it cannot tell): the index's policy uses it to keep a page's
// versions consistent with the files it shows.
func FileVersion(project, filename string) string { return fileVersion(project, filename) }
