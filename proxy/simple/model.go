// Package simple is the pure core of the Simple Repository API: project names,
// the one index model, parsing upstream pages (PEP 503 HTML, PEP 691 JSON),
// rendering them back in either form, and content negotiation. It does no I/O.
package simple

// APIVersion is the Simple API version this package renders (PEP 700 fields).
const APIVersion = "1.4"

// Project is one project page: every field either page format can carry.
type Project struct {
	// Name is the normalized project name (PEP 503).
	Name string
	// Files lists the distribution files in upstream order.
	Files []File
	// Versions is the PEP 700 list of all versions, including ones without files.
	Versions []string
	// Meta holds the page-level fields.
	Meta Meta
}

// Meta is the page-level metadata of a project page or the root index.
type Meta struct {
	// APIVersion is the upstream's meta.api-version / pypi:repository-version ("" when absent).
	APIVersion string
	// LastSerial is PyPI's _last-serial extension; -1 when upstream gave none.
	LastSerial int64
	// ProjectStatus is the PEP 792 status ("active", "archived", "quarantined", "deprecated"); "" when absent.
	ProjectStatus string
	// ProjectStatusReason is the PEP 792 free-text reason; "" when absent.
	ProjectStatusReason string
	// Tracks and AlternateLocations are the PEP 708 fields; nil when absent.
	Tracks             []string
	AlternateLocations []string
}

// File is one distribution file on a project page.
type File struct {
	Filename string
	// URL is where the file lives: absolute as parsed from upstream, or rewritten
	// to a link relative to the page before rendering.
	URL string
	// Hashes maps a hash name (lower case, e.g. "sha256") to its hex digest.
	// Never nil after parsing; may be empty.
	Hashes map[string]string
	// RequiresPython is the raw requires-python specifier ("" when absent).
	RequiresPython string
	// Yanked is set when the file is yanked (PEP 592); YankedReason may be "".
	Yanked       bool
	YankedReason string
	// CoreMetadata describes the PEP 658/714 metadata file.
	CoreMetadata CoreMetadata
	// GPGSig is the legacy data-gpg-sig / gpg-sig flag; nil when absent.
	GPGSig *bool
	// Size is the PEP 700 size in bytes; -1 when unknown (HTML pages carry none).
	Size int64
	// UploadTime is the PEP 700 upload time exactly as upstream wrote it; "" when absent.
	UploadTime string
	// Provenance is the PEP 740 provenance URL; "" when absent.
	Provenance string
}

// CoreMetadata is the PEP 658 advertisement of a file's METADATA.
type CoreMetadata struct {
	// Available is true when the index serves <file URL>.metadata.
	Available bool
	// Hashes of the metadata file; may be empty when upstream said only "true".
	Hashes map[string]string
}

// RootIndex is the /simple/ page listing every project.
type RootIndex struct {
	Projects []RootProject
	Meta     Meta
}

// RootProject is one entry of the root index.
type RootProject struct {
	// Name is the project name as upstream lists it (not necessarily normalized).
	Name string
	// LastSerial is PyPI's _last-serial for the project; -1 when absent.
	LastSerial int64
}
