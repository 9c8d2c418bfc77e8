package simple

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// ErrUnsupportedAPIVersion is wrapped by the parsers when a page declares an
// api-version whose major version is not 1 (PEP 629: clients must hard fail).
var ErrUnsupportedAPIVersion = errors.New("unsupported simple API version")

// checkAPIVersion accepts "" (PEP 629: assume 1.0) and any "1" or "1.<minor>".
func checkAPIVersion(v string) error {
	major, minor, hasMinor := strings.Cut(v, ".")
	if v == "" || (major == "1" && (!hasMinor || isDigits(minor))) {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrUnsupportedAPIVersion, v)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validHash reports whether name (already lower-cased) and hex digest value can
// be carried in both page formats: name is [a-z0-9_-]+, value is hex digits.
// Entries failing this are dropped by the parsers: they could not be verified
// and would not survive a URL fragment.
func validHash(name, value string) bool {
	if name == "" || value == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '_' && c != '-' {
			return false
		}
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if !('0' <= c && c <= '9') && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// parseHashPair parses "<hashname>=<hex>" (a URL fragment or a
// data-core-metadata value) into dst when it is a valid hash.
func parseHashPair(s string, dst map[string]string) bool {
	name, value, ok := strings.Cut(s, "=")
	name = strings.ToLower(name)
	if !ok || !validHash(name, value) {
		return false
	}
	dst[name] = value
	return true
}

// cleanHashes copies src into a new non-nil map, lower-casing names and dropping
// invalid entries.
func cleanHashes(src map[string]string) map[string]string {
	dst := make(map[string]string, len(src))
	for k, v := range src {
		k = strings.ToLower(k)
		if validHash(k, v) {
			dst[k] = v
		}
	}
	return dst
}

// resolve parses ref relative to base (which may be nil) and returns it with
// the fragment removed.
func resolve(base *url.URL, ref string) (*url.URL, error) {
	var u *url.URL
	var err error
	if base != nil {
		u, err = base.Parse(ref)
	} else {
		u, err = url.Parse(ref)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// stripFragment returns u as a string without its fragment.
func stripFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// lastSegment returns the unescaped last path segment of u ("" for a directory).
func lastSegment(u *url.URL) string {
	p := u.Path
	if p == "" || strings.HasSuffix(p, "/") {
		return ""
	}
	return path.Base(p)
}
