package simple

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// legacyAPIVersion is declared when a page lacks the PEP 700 fields that every
// version from 1.1 on makes mandatory (size of every file, versions).
const legacyAPIVersion = "1.0"

// renderVersion returns the api-version a project page is rendered with and
// whether the PEP 700 fields (size, versions) are emitted: APIVersion when
// every file has a known size and the version list is known (non-nil),
// otherwise "1.0". Both page formats use the same rule, so the two
// serializations of one page declare the same version (PEP 691).
func renderVersion(p *Project) (string, bool) {
	if p.Versions == nil {
		return legacyAPIVersion, false
	}
	for i := range p.Files {
		if p.Files[i].Size < 0 {
			return legacyAPIVersion, false
		}
	}
	return APIVersion, true
}

// RenderProjectJSON renders p as a PEP 691 project page
// (application/vnd.pypi.simple.v1+json). Keys are sorted, as PyPI sends them,
// and the output is deterministic. The api-version follows renderVersion;
// "size" and "versions" are written only under APIVersion. "core-metadata" is
// false, true or an object of hashes, and the legacy dist-info-metadata key is
// never written (PEP 714). "hashes" is always an object, "requires-python" null
// or a string, "yanked" false, true or the reason. "upload-time", "gpg-sig",
// "provenance", the top-level PEP 792 "project-status" object and the PEP 708
// "meta.tracks" and "alternate-locations" lists are written only when set.
// "_last-serial" is written when >= 0.
func RenderProjectJSON(p *Project) []byte {
	version, full := renderVersion(p)
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
	if full {
		b = append(b, `,"versions":`...)
		b = appendJSONStrings(b, p.Versions)
	}
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
	switch {
	case f.CoreMetadata.Available && len(f.CoreMetadata.Hashes) > 0:
		b = appendJSONHashes(b, f.CoreMetadata.Hashes)
	case f.CoreMetadata.Available:
		b = append(b, "true"...)
	default:
		b = append(b, "false"...)
	}
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
