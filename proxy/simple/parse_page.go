package simple

import (
	"bytes"
	"net/url"
)

// IsJSONMediaType reports whether an upstream page of this media type (no
// parameters) is the PEP 691 JSON form. A missing type is sniffed from the
// body (a JSON object starts with '{'); any other type is HTML, as PEP 503
// pages from static servers come as text/html or with no useful type.
func IsJSONMediaType(mediaType string, body []byte) bool {
	switch mediaType {
	case MediaTypeJSONV1, MediaTypeJSONLatest, "application/json":
		return true
	case "":
		return bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{"))
	}
	return false
}

// ParseProjectPage parses an upstream project page in whichever format its
// media type says: the one entry for project pages from any source.
func ParseProjectPage(body []byte, mediaType string, base *url.URL, name string) (*Project, error) {
	if IsJSONMediaType(mediaType, body) {
		return ParseProjectJSON(body, base)
	}
	return ParseProjectHTML(body, base, name)
}

// ParseRootPage parses an upstream root index (the project list) in
// whichever format its media type says.
func ParseRootPage(body []byte, mediaType string, base *url.URL) (*RootIndex, error) {
	if IsJSONMediaType(mediaType, body) {
		return ParseRootJSON(body)
	}
	return ParseRootHTML(body, base)
}
