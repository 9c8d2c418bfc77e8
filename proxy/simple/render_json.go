package simple

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// legacyAPIVersion is declared in JSON when a page lacks a field that every
// version from 1.1 on makes mandatory there (PEP 700: the size of every file).
const legacyAPIVersion = "1.0"

// jsonVersion returns the api-version a project page's JSON declares and
// whether every file's "size" is written: APIVersion when every file has a
// known size, otherwise "1.0". Declaring more than upstream did is fine where
// the page meets it; 1.2-1.4 (PEP 708, 740, 792) add only optional fields.
func jsonVersion(p *Project) (string, bool) {
	for i := range p.Files {
		if p.Files[i].Size < 0 {
			return legacyAPIVersion, false
		}
	}
	return APIVersion, true
}

// htmlVersion returns the pypi:repository-version of a project page's HTML:
// the JSON version, or upstream's when higher (capped at APIVersion, the
// fields this package knows). PEP 700's mandatory fields are JSON's only, so
// an HTML page declared 1.1-1.4 upstream keeps its version.
func htmlVersion(p *Project) string {
	v, _ := jsonVersion(p)
	up := p.Meta.APIVersion
	if minorOf(up) > minorOf(APIVersion) {
		up = APIVersion
	}
	if minorOf(up) > minorOf(v) {
		return up
	}
	return v
}

// minorOf returns the minor version of "1.<minor>" (0 for "", "1" or junk).
func minorOf(v string) int {
	_, minor, ok := strings.Cut(v, ".")
	if !ok || !isDigits(minor) || len(minor) > 6 {
		return 0
	}
	n, _ := strconv.Atoi(minor)
	return n
}

// versions returns p.Versions, or, when upstream gave none (an HTML page, a
// 1.0 JSON page), the versions of its files in order of first appearance
// (PEP 700 asks for every version; those without files are unknowable then).
func versions(p *Project) []string {
	if p.Versions != nil {
		return p.Versions
	}
	out := []string{}
	seen := map[string]bool{}
	for i := range p.Files {
		v := VersionFromFilename(p.Name, p.Files[i].Filename)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// RenderProjectJSON renders p as a PEP 691 project page
// (application/vnd.pypi.simple.v1+json). Keys are sorted, as PyPI sends them,
// and the output is deterministic. The api-version follows jsonVersion; "size"
// is written for every file under APIVersion, for none under 1.0. "versions" is
// always written (upstream's, else computed from the file names: see versions).
// "core-metadata" is false, true or an object of hashes, repeated in
// "data-dist-info-metadata" as PyPI does; the PEP 691 spelling
// "dist-info-metadata" is never written (PEP 714: pip 22.3-23.1 fails hard on
// it). "hashes" is always an object, "requires-python" null
// or a string, "yanked" false, true or the reason. "upload-time", "gpg-sig",
// "provenance", the top-level PEP 792 "project-status" object and the PEP 708
// "meta.tracks" and "alternate-locations" lists are written only when set.
// "_last-serial" is written when >= 0.
func RenderProjectJSON(p *Project) []byte {
	version, full := jsonVersion(p)
	b := make([]byte, 0, 256+640*len(p.Files))
	b = append(b, '{')
	if p.Meta.AlternateLocations != nil {
		b = append(b, `"alternate-locations":`...)
		b = appendJSONStrings(b, p.Meta.AlternateLocations)
		b = append(b, ',')
	}
	b = append(b, `"files":[`...)
	for i := range p.Files {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONFile(b, &p.Files[i], full)
	}
	b = append(b, `],"meta":`...)
	b = appendJSONMeta(b, &p.Meta, version)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, p.Name)
	if p.Meta.ProjectStatus != "" {
		b = append(b, `,"project-status":{`...)
		if p.Meta.ProjectStatusReason != "" {
			b = append(b, `"reason":`...)
			b = appendJSONString(b, p.Meta.ProjectStatusReason)
			b = append(b, ',')
		}
		b = append(b, `"status":`...)
		b = appendJSONString(b, p.Meta.ProjectStatus)
		b = append(b, '}')
	}
	b = append(b, `,"versions":`...)
	b = appendJSONStrings(b, versions(p))
	return append(b, '}')
}

func appendJSONMeta(b []byte, m *Meta, version string) []byte {
	b = append(b, '{')
	if m.LastSerial >= 0 {
		b = append(b, `"_last-serial":`...)
		b = strconv.AppendInt(b, m.LastSerial, 10)
		b = append(b, ',')
	}
	b = append(b, `"api-version":`...)
	b = appendJSONString(b, version)
	if m.Tracks != nil {
		b = append(b, `,"tracks":`...)
		b = appendJSONStrings(b, m.Tracks)
	}
	return append(b, '}')
}

func appendJSONFile(b []byte, f *File, full bool) []byte {
	b = append(b, `{"core-metadata":`...)
	b = appendJSONCoreMetadata(b, &f.CoreMetadata)
	b = append(b, `,"data-dist-info-metadata":`...)
	b = appendJSONCoreMetadata(b, &f.CoreMetadata)
	b = append(b, `,"filename":`...)
	b = appendJSONString(b, f.Filename)
	if f.GPGSig != nil {
		b = append(b, `,"gpg-sig":`...)
		b = strconv.AppendBool(b, *f.GPGSig)
	}
	b = append(b, `,"hashes":`...)
	b = appendJSONHashes(b, f.Hashes)
	if f.Provenance != "" {
		b = append(b, `,"provenance":`...)
		b = appendJSONString(b, f.Provenance)
	}
	b = append(b, `,"requires-python":`...)
	if f.RequiresPython == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, f.RequiresPython)
	}
	if full {
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, f.Size, 10)
	}
	if f.UploadTime != "" {
		b = append(b, `,"upload-time":`...)
		b = appendJSONString(b, f.UploadTime)
	}
	b = append(b, `,"url":`...)
	b = appendJSONString(b, f.URL)
	b = append(b, `,"yanked":`...)
	switch {
	case f.Yanked && f.YankedReason != "":
		b = appendJSONString(b, f.YankedReason)
	case f.Yanked:
		b = append(b, "true"...)
	default:
		b = append(b, "false"...)
	}
	return append(b, '}')
}

func appendJSONCoreMetadata(b []byte, cm *CoreMetadata) []byte {
	switch {
	case cm.Available && len(cm.Hashes) > 0:
		return appendJSONHashes(b, cm.Hashes)
	case cm.Available:
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// RenderRootJSON renders r as a PEP 691 root index with PyPI's _last-serial
// extension (page and per project, each when >= 0). The root page has no
// PEP 700 fields, so it always declares APIVersion.
func RenderRootJSON(r *RootIndex) []byte {
	b := make([]byte, 0, 64+48*len(r.Projects))
	b = append(b, `{"meta":`...)
	m := r.Meta
	m.Tracks = nil
	b = appendJSONMeta(b, &m, APIVersion)
	b = append(b, `,"projects":[`...)
	for i := range r.Projects {
		p := &r.Projects[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if p.LastSerial >= 0 {
			b = append(b, `"_last-serial":`...)
			b = strconv.AppendInt(b, p.LastSerial, 10)
			b = append(b, ',')
		}
		b = append(b, `"name":`...)
		b = appendJSONString(b, p.Name)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// sortedKeys returns the keys of a (small) hash map in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendJSONHashes(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	if len(m) == 1 {
		for k, v := range m {
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
		return append(b, '}')
	}
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// control characters, U+2028 and U+2029 are escaped, as encoding/json does
// (without its HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
