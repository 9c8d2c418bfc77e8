package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// The bandersnatch mirror tree, in one place. Helpers that take a name
// expect a normalized PEP 503 project name; given anything that is not a
// safe single path segment they return "", which every Store rejects with
// ErrInvalidKey.

// Files at the root of the mirror, as bandersnatch writes them.
const (
	StatusKey       = "status"            // last synced serial
	GenerationKey   = "generation"        // mirror format generation
	TodoKey         = "todo"              // present while a sync is unfinished
	LastModifiedKey = "web/last-modified" // time of the last sync
	// LockName is bandersnatch's lock file at the root. It is not a Store
	// object: Walk never reports dot-files.
	LockName = ".lock"
)

// Key prefixes of the tree.
const (
	WebPrefix      = "web/"
	SimplePrefix   = "web/simple/"
	PackagesPrefix = "web/packages/"
	JSONPrefix     = "web/json/"
	PyPIPrefix     = "web/pypi/"
	// StatePrefix holds the proxy's own state (origins, access log); it is
	// outside web/ so the web server never serves it.
	StatePrefix   = "state/"
	OriginsPrefix = "state/origins/"
)

// PageFormat is the file a simple-index page is stored in.
type PageFormat int

// Page formats: legacy HTML (PEP 503), PEP 691 v1 HTML and v1 JSON.
const (
	PageHTML PageFormat = iota
	PageV1HTML
	PageV1JSON
)

var pageFiles = [...]string{
	PageHTML:   "index.html",
	PageV1HTML: "index.v1_html",
	PageV1JSON: "index.v1_json",
}

// String returns the page's file name, e.g. "index.v1_json".
func (f PageFormat) String() string {
	if f < 0 || int(f) >= len(pageFiles) {
		return fmt.Sprintf("PageFormat(%d)", int(f))
	}
	return pageFiles[f]
}

func (f PageFormat) valid() bool { return f >= 0 && int(f) < len(pageFiles) }

// ProjectPageKey returns "web/simple/<name>/index.html" (or index.v1_html,
// index.v1_json).
func ProjectPageKey(name string, f PageFormat) string {
	if !safeSegment(name) || !f.valid() {
		return ""
	}
	return SimplePrefix + name + "/" + f.String()
}

// RootPageKey returns "web/simple/index.html" (or index.v1_html, index.v1_json).
func RootPageKey(f PageFormat) string {
	if !f.valid() {
		return ""
	}
	return SimplePrefix + f.String()
}

// JSONKey returns "web/json/<name>", bandersnatch's copy of PyPI's JSON API
// document /pypi/<name>/json.
func JSONKey(name string) string {
	if !safeSegment(name) {
		return ""
	}
	return JSONPrefix + name
}

// JSONAPIKey returns "web/pypi/<name>/json", the path the JSON API document
// is served at (bandersnatch makes it a symlink to web/json/<name>).
func JSONAPIKey(name string) string {
	if !safeSegment(name) {
		return ""
	}
	return PyPIPrefix + name + "/json"
}

// JSONAPIVersionKey returns "web/pypi/<name>/<version>/json", PyPI's
// per-release JSON document (bandersnatch does not mirror these).
func JSONAPIVersionKey(name, version string) string {
	if !safeSegment(name) || !safeSegment(version) || version == "json" {
		return ""
	}
	return PyPIPrefix + name + "/" + version + "/json"
}

// safeSegment reports whether s can be one path segment: non-empty UTF-8
// of at most MaxSegmentLen bytes, no "/", "\\", "..", control bytes, and
// not starting with ".".
func safeSegment(s string) bool {
	if s == "" || len(s) > MaxSegmentLen || strings.HasPrefix(s, ".") ||
		strings.Contains(s, "..") || strings.ContainsAny(s, `/\`) || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// ErrBadPackagePath reports a file name or URL path that is not a safe
// package location.
var ErrBadPackagePath = errors.New("cache: bad package path")

// PackageKey returns where a distribution file is stored.
//
// If upstreamURL's path is exactly PyPI's file-host shape
// "/packages/<2 hex>/<2 hex>/<hex>/<filename>" (lower-case hex, last
// segment equal to filename) the key keeps that path:
// "web/packages/aa/bb/<hex>/<filename>", so bandersnatch-style relative links
// keep working. Otherwise it is derived from the file's sha256 (lower-case
// hex): "web/packages/<sha[0:2]>/<sha[2:4]>/<sha[4:]>/<filename>"; with no
// sha256 the sha256 of the URL string is used instead. filename must be a
// safe single segment (no "/", "\\", "..", control bytes or leading ".").
func PackageKey(upstreamURL *url.URL, filename, sha256hex string) (string, error) {
	if !safeSegment(filename) {
		return "", fmt.Errorf("%w: file name %q", ErrBadPackagePath, filename)
	}
	if upstreamURL != nil {
		if rel, ok := pypiFilePath(upstreamURL.Path); ok && strings.HasSuffix(rel, "/"+filename) {
			return PackagesPrefix + rel, nil
		}
	}
	h := strings.ToLower(sha256hex)
	switch {
	case h == "" && upstreamURL == nil:
		return "", fmt.Errorf("%w: neither URL nor sha256 for %q", ErrBadPackagePath, filename)
	case h == "":
		sum := sha256.Sum256([]byte(upstreamURL.String()))
		h = hex.EncodeToString(sum[:])
	case len(h) != sha256.Size*2 || !isHex(h):
		return "", fmt.Errorf("%w: sha256 %q", ErrBadPackagePath, sha256hex)
	}
	return PackagesPrefix + h[0:2] + "/" + h[2:4] + "/" + h[4:] + "/" + filename, nil
}

// pypiFilePath checks p against "/packages/aa/bb/<hex>/<filename>" and
// returns it without the leading "/packages/".
func pypiFilePath(p string) (string, bool) {
	rel, ok := strings.CutPrefix(p, "/packages/")
	if !ok {
		return "", false
	}
	seg := strings.Split(rel, "/")
	if len(seg) != 4 || len(seg[0]) != 2 || len(seg[1]) != 2 ||
		len(seg[2]) < 2 || len(seg[2]) > 128 ||
		!isHex(seg[0]) || !isHex(seg[1]) || !isHex(seg[2]) || !safeSegment(seg[3]) {
		return "", false
	}
	return rel, true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// PackageURLPath returns the (unescaped) URL path a package key is served
// at, "/packages/aa/bb/...", or "" if key is not under web/packages/. Build
// links with (&url.URL{Path: p}).EscapedPath().
func PackageURLPath(key string) string {
	rel, ok := strings.CutPrefix(key, PackagesPrefix)
	if !ok || rel == "" {
		return ""
	}
	return "/packages/" + rel
}

// KeyForPackagePath maps a request's (unescaped) URL path back to its key,
// accepting only the shape "/packages/<2 hex>/<2 hex>/<hex>/<filename>".
func KeyForPackagePath(urlPath string) (string, error) {
	rel, ok := pypiFilePath(urlPath)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrBadPackagePath, urlPath)
	}
	return PackagesPrefix + rel, nil
}

// ProjectOriginsKey returns "state/origins/<name>.json", where the proxy
// records the upstream URL, index and hashes of every file a project's
// page linked, or "" for an unsafe name.
func ProjectOriginsKey(name string) string {
	if !safeSegment(name) {
		return ""
	}
	return OriginsPrefix + name + ".json"
}

// PageMetaKey returns the key of the sidecar of the page stored at
// pageKey (its first copy, "web/simple/<name>/index.v1_json"): the page's
// serial, ETags, sizes and upstream validators, so a page is served from
// its stored renderings and revalidated without being read or parsed.
// "state/pages/simple/<name>/index.v1_json"; "" for a key outside web/.
func PageMetaKey(pageKey string) string {
	rel, ok := strings.CutPrefix(pageKey, WebPrefix)
	if !ok || rel == "" {
		return ""
	}
	return PageMetaPrefix + rel
}

// MetadataKey returns the key of a distribution's PEP 658 metadata file.
func MetadataKey(packageKey string) string { return packageKey + ".metadata" }

// Keys of the proxy's own state.
const (
	// HTTPCachePrefix held the upstream HTTP cache's entries (before pages
	// kept their own upstream validators): left over in older trees.
	HTTPCachePrefix = StatePrefix + "http/"
	// PageMetaPrefix holds a sidecar per stored page (PageMetaKey).
	PageMetaPrefix = StatePrefix + "pages/"
	// ReadinessProbeKey is written and deleted by the readiness check.
	ReadinessProbeKey = StatePrefix + "readyz-probe"
)

// SpoolDir is the local directory of downloads in flight under a tree
// rooted at root (a dot-directory: Walk never reports it).
func SpoolDir(root string) string { return filepath.Join(root, ".spool") }

// LocalCopiesDir is where a replica on S3 keeps its local copies of
// package files (S3Config.LocalCopies), under the cache directory root (a
// dot-directory: a Walk of the local tree never reports it).
func LocalCopiesDir(root string) string { return filepath.Join(root, ".s3-copies") }
