package fakepypi

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/blake2b"
)

// Release describes one version of a project to Publish.
type Release struct {
	// Version is the release version, e.g. "1.0" or "2.0b1".
	Version string
	// RequiresPython is the Requires-Python specifier, e.g. ">=3.8"; "" means none.
	RequiresPython string
	// Requires lists Requires-Dist lines, e.g. "depb>=1.0" or `extra-dep; extra == "fancy"`.
	Requires []string
	// Extras lists Provides-Extra names.
	Extras []string
	// Summary is the one-line description; "" gives a generated one.
	Summary string
	// Wheel and Sdist choose which files to build. When neither is set, both are built.
	Wheel, Sdist bool
	// NoMetadata stops advertising and serving PEP 658 metadata for the wheel.
	NoMetadata bool
	// MetadataUnhashed advertises the wheel's PEP 658 metadata without a
	// hash (core-metadata true, data-core-metadata="true"), as some indexes do.
	MetadataUnhashed bool
	// UploadTime is the files' upload time; zero derives it from the serial (see SerialTime).
	UploadTime time.Time
	// NoUploadTime leaves upload-time out of the project page (an index
	// without PEP 700 times).
	NoUploadTime bool
}

// fileEntry is one distribution file as stored on the files host.
type fileEntry struct {
	project     *project
	filename    string
	version     string
	data        []byte
	sha256      string
	md5         string
	blake2b     string
	urlPath     string
	metadata    []byte // PEP 658 METADATA; nil = not advertised
	metaSHA256  string
	metaNoHash  bool // advertised as plain "true"
	uploadTime  time.Time
	noTime      bool         // upload-time left out of the project page
	packageType string       // "bdist_wheel" or "sdist"
	pyVersion   string       // "py3", "source", ...
	link        *hostileLink // set by Relink: what the pages claim instead of the truth
}

// release is one version of a project.
type release struct {
	version        string
	requiresPython string
	requires       []string
	extras         []string
	summary        string
	yanked         bool
	yankedReason   string
	files          []*fileEntry
}

// project is one project with its releases.
type project struct {
	name     string // display name as first published
	norm     string
	serial   int64
	releases map[string]*release
	// status and statusReason are the PEP 792 project status ("" none).
	status, statusReason string

	// rendered caches the detail page per media type at renderedSerial,
	// as PyPI's CDN caches its pages (guarded by renderMu).
	renderMu       sync.Mutex
	rendered       map[string]renderedPage
	renderedSerial int64
}

// renderedPage is a page body with its ETag.
type renderedPage struct {
	body []byte
	etag string
}

// epoch is the origin of the deterministic clock used for upload times and changelog timestamps.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// SerialTime is the fake's deterministic clock: the time of the change with the given serial.
// Serials are one minute apart (plus a microsecond fraction), so Last-Modified strictly increases.
func SerialTime(serial int64) time.Time {
	return epoch.Add(time.Duration(serial)*time.Minute + time.Duration(serial%1000000)*time.Microsecond)
}

// newFileEntry hashes data and computes the files-host path, PyPI's scheme:
// /packages/<aa>/<bb>/<60 hex>/<filename> from the blake2b-256 of the content.
func newFileEntry(version, filename string, data []byte) *fileEntry {
	s := sha256.Sum256(data)
	m := md5.Sum(data)
	b := blake2b.Sum256(data)
	bh := hex.EncodeToString(b[:])
	f := &fileEntry{
		filename: filename,
		version:  version,
		data:     data,
		sha256:   hex.EncodeToString(s[:]),
		md5:      hex.EncodeToString(m[:]),
		blake2b:  bh,
		urlPath:  "/packages/" + bh[:2] + "/" + bh[2:4] + "/" + bh[4:] + "/" + filename,
	}
	f.packageType, f.pyVersion = classifyFile(filename)
	return f
}

// setMetadata attaches PEP 658 metadata to f.
func (f *fileEntry) setMetadata(md []byte) {
	if md == nil {
		return
	}
	s := sha256.Sum256(md)
	f.metadata = md
	f.metaSHA256 = hex.EncodeToString(s[:])
}

// sortedFiles returns all files of p ordered by (version, filename), as PyPI orders them.
func (p *project) sortedFiles() []*fileEntry {
	var out []*fileEntry
	for _, r := range p.releases {
		out = append(out, r.files...)
	}
	slices.SortFunc(out, func(a, b *fileEntry) int {
		if c := compareVersions(a.version, b.version); c != 0 {
			return c
		}
		return cmpString(a.filename, b.filename)
	})
	return out
}

// fileVersions lists the versions that have at least one file, sorted (as PyPI's PEP 700 "versions").
func (p *project) fileVersions() []string {
	var vs []string
	for v, r := range p.releases {
		if len(r.files) > 0 {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, compareVersions)
	return vs
}

// sortedVersions lists all release versions, sorted.
func (p *project) sortedVersions() []string {
	vs := make([]string, 0, len(p.releases))
	for v := range p.releases {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, compareVersions)
	return vs
}

// latest picks the version the JSON API reports in info: the highest non-yanked final release,
// falling back to the highest non-yanked one, then the highest of all.
func (p *project) latest() *release {
	vs := p.sortedVersions()
	for _, pass := range []func(*release) bool{
		func(r *release) bool { return !r.yanked && !parseVersion(r.version).isPrerelease() },
		func(r *release) bool { return !r.yanked },
		func(r *release) bool { return true },
	} {
		for i := len(vs) - 1; i >= 0; i-- {
			if r := p.releases[vs[i]]; pass(r) {
				return r
			}
		}
	}
	return nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
