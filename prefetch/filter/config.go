package filter

import "time"

// Config is every filter option, flag-shaped. The zero value filters nothing.
type Config struct {
	// Allow lists project names or PEP 508 requirements ("numpy>=1.24,<2",
	// "Django", "requests[socks]; python_version>'3'"); extras and markers are
	// ignored. Empty (with no RequirementsFiles) = all projects. Several entries
	// for one project are ORed; a bare name allows every version. Pre-releases
	// inside a specifier's range are kept (a mirror serves what a client could
	// ask for with --pre); ExcludePrereleases drops them.
	Allow []string
	// Block has the same syntax: a bare name drops the whole project, a
	// requirement with a specifier drops the releases it matches.
	Block []string
	// RequirementsFiles are pip requirements files whose requirements are added
	// to Allow: comments, "\" continuations, "-r"/"--requirement" includes
	// (relative to the including file) are handled; options (-i, -c, -e,
	// --hash ...), local paths and bare URLs are skipped; markers and extras
	// are ignored.
	RequirementsFiles []string
	// RequirementsNamesOnly takes only the project names from
	// RequirementsFiles, not their specifiers (bandersnatch's
	// project_requirements without project_requirements_pinned).
	RequirementsNamesOnly bool
	// WithDependencies tells the sync engine to grow the allowlist with the
	// dependency closure (it calls RequiresDist and AddProject); the Set only
	// records it.
	WithDependencies bool
	// ExcludePrereleases drops pre-releases and dev releases (PEP 440).
	ExcludePrereleases bool
	// PrereleaseProjects limits ExcludePrereleases to these projects
	// (bandersnatch's [filter_prerelease] packages); empty = every project.
	PrereleaseProjects []string
	// KeepLatest keeps only the latest N releases by PEP 440 order (0 = all),
	// counted among the releases that still have files after every other filter.
	// Pre- and post-releases count like any release.
	KeepLatest int
	// Platforms keeps only wheels with a platform tag matching one of these
	// globs (path.Match syntax: "manylinux*_x86_64", "any"). Sdists are always
	// kept; legacy binaries (.egg, .exe, .msi ...) are dropped. Empty = all.
	Platforms []string
	// ExcludePlatforms drops wheels whose platform tags all match these globs.
	// bandersnatch's exclude_platform names work too: "windows", "macos",
	// "freebsd", "linux" (which also drop legacy binaries for the platform) and
	// "py2.7", "py3.5" ... (which drop wheels whose python tags are all cpXY/pyXY).
	ExcludePlatforms []string
	// PythonTags keeps only wheels with a python tag matching one of these globs
	// ("py3", "cp312", "cp3*"); legacy binaries are dropped. Empty = all.
	PythonTags []string
	// MaxFileSize drops files larger than this many bytes (0 = no limit).
	// Files of unknown size (File.Size < 0) are kept.
	MaxFileSize int64
	// MaxProjectSize empties a project page (all files and versions) when the
	// files left after every other filter add up to more than this many bytes
	// (0 = no limit); bandersnatch's size_project_metadata.
	MaxProjectSize int64
	// Cooldown drops files uploaded less than this long ago, decided per file:
	// a file added later to an old release is held back too. A release whose
	// files are all held back disappears from the page until they age. Files
	// without a parseable File.UploadTime (HTML pages carry none) are kept.
	Cooldown time.Duration
	// NameRegex keeps only projects whose normalized name matches one of these
	// (Go regexp, unanchored: add ^ and $ for a full match).
	NameRegex []string
	// BlockNameRegex drops projects whose normalized name matches one of these.
	BlockNameRegex []string
	// ReleaseRegex drops releases whose version (as listed upstream) matches one
	// of these (Go regexp, unanchored; LoadBandersnatchConf anchors
	// bandersnatch's patterns at the start as Python's re.match does).
	ReleaseRegex []string
	// Now is the clock for Cooldown; nil = time.Now.
	Now func() time.Time
}
