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

// pipHashNames are the hash names pip checks (pip's _SUPPORTED_HASHES, the
// names hashlib guarantees), in pip's order of preference. pip ignores any
// other name in an HTML link's fragment or a data-core-metadata value.
var pipHashNames = [...]string{"sha512", "sha384", "sha256", "sha224", "sha1", "md5"}

func isPipHashName(name string) bool {
	for _, n := range pipHashNames {
		if n == name {
			return true
		}
	}
	return false
}

// parseLinkHash finds the hash of an HTML link as pip does
// (pip/_internal/models/link.py, LinkHash._hash_url_fragment_re
// "[#&](sha512|sha384|sha256|sha224|sha1|md5)=([^&]*)" searched in the URL):
// the first "#name=" or "&name=" with a name pip checks, case-sensitive and
// not percent-decoded, up to the next "&". Anything else (blake2b, SHA256,
// sha256%3D...) pip ignores, so it must not become a binding hash here. Unlike
// pip, a value that is not hex is dropped rather than carried into a
// certain mismatch.
func parseLinkHash(href string, dst map[string]string) {
	for i := 0; i < len(href); i++ {
		if href[i] != '#' && href[i] != '&' {
			continue
		}
		rest := href[i+1:]
		for _, n := range pipHashNames {
			v, ok := strings.CutPrefix(rest, n+"=")
			if !ok {
				continue
			}
			if end := strings.IndexByte(v, '&'); end >= 0 {
				v = v[:end]
			}
			if validHash(n, v) {
				dst[n] = v
			}
			return
		}
	}
}

// parseMetadataHash reads a data-core-metadata value "<name>=<hex>" as pip
// does (str.partition("=") and supported_hashes): a name pip does not check is
// no hash, and the file stays available without one.
func parseMetadataHash(s string, dst map[string]string) {
	name, value, ok := strings.Cut(s, "=")
	if ok && isPipHashName(name) && validHash(name, value) {
		dst[name] = value
	}
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
