package simple

import (
	"net/url"
	"strconv"
)

// RenderProjectHTML renders p as a PEP 503 project page (API v1 HTML, valid
// for both text/html and application/vnd.pypi.simple.v1+html).
//
// The head carries pypi:repository-version (see htmlVersion) and, when set, the PEP 792 pypi:project-status and
// pypi:project-status-reason and the PEP 708 pypi:tracks and
// pypi:alternate-locations tags (one per URL). Each file is one
// <a href="URL#HASH=HEX" ...>FILENAME</a><br />, the fragment using the hash
// preferredHash picks. Attributes written when set: data-requires-python,
// data-yanked (empty when there is no reason), data-core-metadata and, with the
// same value for pip before 23.2 (PEP 714), data-dist-info-metadata
// ("<hashname>=<hex>" or "true"), data-gpg-sig, data-provenance, and the
// non-standard data-size and data-upload-time (uv reads them). Every value is
// HTML-escaped. PyPI's trailing
// <!--SERIAL n--> comment is written when LastSerial >= 0.
func RenderProjectHTML(p *Project) []byte {
	version := htmlVersion(p)
	b := make([]byte, 0, 512+640*len(p.Files))
	b = append(b, "<!DOCTYPE html>\n<html>\n  <head>\n"...)
	b = appendMetaTag(b, "pypi:repository-version", version)
	if p.Meta.ProjectStatus != "" {
		b = appendMetaTag(b, "pypi:project-status", p.Meta.ProjectStatus)
		if p.Meta.ProjectStatusReason != "" {
			b = appendMetaTag(b, "pypi:project-status-reason", p.Meta.ProjectStatusReason)
		}
	}
	for _, t := range p.Meta.Tracks {
		b = appendMetaTag(b, "pypi:tracks", t)
	}
	for _, l := range p.Meta.AlternateLocations {
		b = appendMetaTag(b, "pypi:alternate-locations", l)
	}
	b = append(b, "    <title>Links for "...)
	b = appendHTMLEscaped(b, p.Name)
	b = append(b, "</title>\n  </head>\n  <body>\n    <h1>Links for "...)
	b = appendHTMLEscaped(b, p.Name)
	b = append(b, "</h1>\n"...)
	for i := range p.Files {
		b = appendHTMLFile(b, &p.Files[i])
	}
	b = append(b, "  </body>\n</html>\n"...)
	if p.Meta.LastSerial >= 0 {
		b = append(b, "<!--SERIAL "...)
		b = strconv.AppendInt(b, p.Meta.LastSerial, 10)
		b = append(b, "-->\n"...)
	}
	return b
}

func appendHTMLFile(b []byte, f *File) []byte {
	b = append(b, `    <a href="`...)
	b = appendHTMLEscaped(b, f.URL)
	if name, ok := preferredHash(f.Hashes); ok {
		b = append(b, '#')
		b = appendHTMLEscaped(b, name)
		b = append(b, '=')
		b = appendHTMLEscaped(b, f.Hashes[name])
	}
	b = append(b, '"')
	if f.RequiresPython != "" {
		b = appendAttr(b, "data-requires-python", f.RequiresPython)
	}
	if f.Yanked {
		b = appendAttr(b, "data-yanked", f.YankedReason)
	}
	if f.CoreMetadata.Available {
		name, ok := preferredHash(f.CoreMetadata.Hashes)
		for _, attr := range [...]string{"data-core-metadata", "data-dist-info-metadata"} {
			b = append(b, ' ')
			b = append(b, attr...)
			b = append(b, `="`...)
			if ok {
				b = appendHTMLEscaped(b, name)
				b = append(b, '=')
				b = appendHTMLEscaped(b, f.CoreMetadata.Hashes[name])
			} else {
				b = append(b, "true"...)
			}
			b = append(b, '"')
		}
	}
	if f.GPGSig != nil {
		b = append(b, ` data-gpg-sig="`...)
		b = strconv.AppendBool(b, *f.GPGSig)
		b = append(b, '"')
	}
	if f.Provenance != "" {
		b = appendAttr(b, "data-provenance", f.Provenance)
	}
	if f.Size >= 0 {
		b = append(b, ` data-size="`...)
		b = strconv.AppendInt(b, f.Size, 10)
		b = append(b, '"')
	}
	if f.UploadTime != "" {
		b = appendAttr(b, "data-upload-time", f.UploadTime)
	}
	b = append(b, '>')
	b = appendHTMLEscaped(b, f.Filename)
	return append(b, "</a><br />\n"...)
}

// preferredHash picks the hash an HTML link carries: sha256 when present, else
// the first pip checks in pip's order, else the alphabetically first name.
func preferredHash(m map[string]string) (string, bool) {
	if _, ok := m["sha256"]; ok {
		return "sha256", true
	}
	for _, n := range pipHashNames {
		if _, ok := m[n]; ok {
			return n, true
		}
	}
	first, found := "", false
	for k := range m {
		if !found || k < first {
			first, found = k, true
		}
	}
	return first, found
}

// RenderRootHTML renders r as a PEP 503 root index: one
// <a href="NORMALIZED/">Name</a> per project. The links are relative, so the
// page works served at /simple/ and as a static index.html.
func RenderRootHTML(r *RootIndex) []byte {
	b := make([]byte, 0, 256+64*len(r.Projects))
	b = append(b, "<!DOCTYPE html>\n<html>\n  <head>\n"...)
	b = appendMetaTag(b, "pypi:repository-version", APIVersion)
	b = append(b, "    <title>Simple index</title>\n  </head>\n  <body>\n"...)
	for i := range r.Projects {
		name := r.Projects[i].Name
		b = append(b, `    <a href="`...)
		b = appendHTMLEscaped(b, url.PathEscape(Normalize(name)))
		b = append(b, `/">`...)
		b = appendHTMLEscaped(b, name)
		b = append(b, "</a>\n"...)
	}
	b = append(b, "  </body>\n</html>\n"...)
	if r.Meta.LastSerial >= 0 {
		b = append(b, "<!--SERIAL "...)
		b = strconv.AppendInt(b, r.Meta.LastSerial, 10)
		b = append(b, "-->\n"...)
	}
	return b
}

func appendMetaTag(b []byte, name, content string) []byte {
	b = append(b, `    <meta name="`...)
	b = append(b, name...)
	b = append(b, `" content="`...)
	b = appendHTMLEscaped(b, content)
	return append(b, "\">\n"...)
}

func appendAttr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendHTMLEscaped(b, value)
	return append(b, '"')
}

// appendHTMLEscaped appends s with &, <, >, " and ' escaped; the result is
// safe as text and inside a quoted attribute.
func appendHTMLEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...)
}
