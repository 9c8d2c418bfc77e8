package simple

import "strings"

// sdistExtensions are the source archive suffixes pip knows
// (pip/_internal/utils/filetypes.py: ZIP, BZ2, XZ and TAR extensions).
var sdistExtensions = [...]string{
	".tar.gz", ".tgz", ".tar", ".zip",
	".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma",
}

// VersionFromFilename returns the version in a distribution file name of
// project name (normalized or not), as written in the file name, or "" when it
// is none of a wheel ("name-ver-...whl"), an egg ("name-ver[-...].egg") or an
// sdist ("name-ver.<archive>", split where the prefix normalizes to name, as
// pip does).
func VersionFromFilename(name, filename string) string {
	if stem, ok := cutSuffixFold(filename, ".whl"); ok {
		parts := strings.Split(stem, "-")
		if len(parts) == 5 || len(parts) == 6 {
			return parts[1]
		}
		return ""
	}
	if stem, ok := cutSuffixFold(filename, ".egg"); ok {
		parts := strings.Split(stem, "-")
		if len(parts) >= 2 {
			return parts[1]
		}
		return ""
	}
	for _, ext := range sdistExtensions {
		if stem, ok := cutSuffixFold(filename, ext); ok {
			return sdistVersion(Normalize(name), stem)
		}
	}
	return ""
}

// sdistVersion splits "name-ver" at the first "-" whose prefix normalizes to
// the normalized project name.
func sdistVersion(name, stem string) string {
	for i := 0; i < len(stem); i++ {
		if stem[i] == '-' && Normalize(stem[:i]) == name {
			return stem[i+1:]
		}
	}
	return ""
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return "", false
}
