package fakepypi

import "strings"

// Normalize returns the PEP 503 normalized form of a project name:
// runs of "-", "_" and "." become one "-", and letters are lowercased.
func Normalize(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
		}
		sep = false
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// distName is the distribution-file form of a project name (normalized, "-" -> "_"),
// used in wheel and sdist filenames and as the generated module's import name.
func distName(name string) string {
	return strings.ReplaceAll(Normalize(name), "-", "_")
}
