package simple

import (
	"errors"
	"strings"
)

// Format is the serialization of a Simple API page.
type Format int

const (
	// FormatHTML is the PEP 503 HTML page (text/html or the v1+html media type).
	FormatHTML Format = iota
	// FormatJSON is the PEP 691 JSON page.
	FormatJSON
)

// String returns "html" or "json".
func (f Format) String() string {
	if f == FormatJSON {
		return "json"
	}
	return "html"
}

// Media types of the Simple API (PEP 691).
const (
	MediaTypeJSONV1     = "application/vnd.pypi.simple.v1+json"
	MediaTypeHTMLV1     = "application/vnd.pypi.simple.v1+html"
	MediaTypeTextHTML   = "text/html"
	MediaTypeJSONLatest = "application/vnd.pypi.simple.latest+json"
	MediaTypeHTMLLatest = "application/vnd.pypi.simple.latest+html"
)

// ContentTypeTextHTML is the Content-Type of a page negotiated as text/html. It
// is what PyPI sends: warehouse sets content_type "text/html" and WebOb adds the
// response charset to text/* types. The two application/vnd.pypi.simple.v1+*
// types are sent bare, as PyPI does (WebOb adds no charset to them).
const ContentTypeTextHTML = "text/html; charset=UTF-8"

// ErrNotAcceptable is returned by Negotiate when none of the formats it can
// serve is acceptable to the client (HTTP 406).
var ErrNotAcceptable = errors.New("no acceptable simple API format")

// offer is one representation the server can send. The order of offers is
// warehouse's: text/html first, then v1+html, then v1+json; it breaks ties.
type offer struct {
	mediaType   string
	alias       string // the "latest" media type that also selects this offer
	format      Format
	contentType string
}

var offers = [...]offer{
	{MediaTypeTextHTML, "", FormatHTML, ContentTypeTextHTML},
	{MediaTypeHTMLV1, MediaTypeHTMLLatest, FormatHTML, MediaTypeHTMLV1},
	{MediaTypeJSONV1, MediaTypeJSONLatest, FormatJSON, MediaTypeJSONV1},
}

// Negotiate picks the page format for a request, the way PyPI (warehouse) does,
// and returns the Content-Type to send with it.
//
// A non-empty formatParam (the ?format= query parameter of PEP 691) overrides
// the Accept header; it must be exactly one of the five media types, else
// ErrNotAcceptable. Otherwise the Accept header is matched with RFC 9110
// rules, as WebOb's acceptable_offers does for warehouse: each offer takes the
// q-value of the most specific media range matching it (type/subtype, then
// type/*, then */*; the first such range when repeated), q=0 rules an offer
// out, and the offer with the highest q wins. Ties go to the earlier offer in
// warehouse's order text/html, v1+html, v1+json, so ties favour HTML and
// "*/*" selects text/html. Media-type parameters other than q are ignored, the
// "latest" aliases select the v1 formats (the Content-Type names v1, as PEP 691
// requires), and malformed media ranges are skipped.
//
// An absent or empty Accept header means text/html. Where warehouse falls back
// to text/html when nothing offered is acceptable, Negotiate returns
// ErrNotAcceptable, as PEP 691 recommends; that is the only error.
func Negotiate(accept, formatParam string) (Format, string, error) {
	if formatParam != "" {
		return negotiateParam(formatParam)
	}
	if isBlank(accept) {
		return FormatHTML, ContentTypeTextHTML, nil
	}
	// Per offer: the q (in thousandths) and specificity of the best range so far.
	var q, spec [len(offers)]int
	for rest := accept; rest != ""; {
		var item string
		item, rest = nextItem(rest)
		mediaType, params := cutByte(item, ';')
		mediaType = trimOWS(mediaType)
		typ, sub, ok := cutByteOK(mediaType, '/')
		if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
			continue
		}
		qv, ok := qValue(params)
		if !ok {
			continue
		}
		for i := range offers {
			s := specificity(mediaType, typ, sub, &offers[i])
			if s > spec[i] {
				spec[i], q[i] = s, qv
			}
		}
	}
	best := -1
	for i := range offers {
		if spec[i] > 0 && q[i] > 0 && (best < 0 || q[i] > q[best]) {
			best = i
		}
	}
	if best < 0 {
		return FormatHTML, "", ErrNotAcceptable
	}
	return offers[best].format, offers[best].contentType, nil
}

func negotiateParam(formatParam string) (Format, string, error) {
	mediaType, _ := cutByte(formatParam, ';')
	mediaType = trimOWS(mediaType)
	for i := range offers {
		o := &offers[i]
		if asciiEqualFold(mediaType, o.mediaType) || (o.alias != "" && asciiEqualFold(mediaType, o.alias)) {
			return o.format, o.contentType, nil
		}
	}
	return FormatHTML, "", ErrNotAcceptable
}

// specificity grades how well a media range matches an offer: 3 for the exact
// type (or its latest alias), 2 for type/*, 1 for */*, 0 for no match.
func specificity(mediaType, typ, sub string, o *offer) int {
	switch {
	case asciiEqualFold(mediaType, o.mediaType), o.alias != "" && asciiEqualFold(mediaType, o.alias):
		return 3
	case sub == "*" && typ == "*":
		return 1
	case sub == "*":
		otyp, _ := cutByte(o.mediaType, '/')
		if asciiEqualFold(typ, otyp) {
			return 2
		}
	}
	return 0
}

// qValue finds the q parameter in params (";a=b;q=0.5"); it returns the value
// in thousandths, 1000 when absent, and ok=false when q is malformed.
func qValue(params string) (int, bool) {
	for params != "" {
		var p string
		p, params = cutByte(params, ';')
		name, value, ok := cutByteOK(trimOWS(p), '=')
		if ok && asciiEqualFold(trimOWS(name), "q") {
			return parseQ(trimOWS(value))
		}
	}
	return 1000, true
}

// parseQ parses an RFC 9110 qvalue: "0", "0.xyz", "1", "1.000" (at most three
// decimals).
func parseQ(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	v := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return v, true
	}
	if s[1] != '.' || len(s) > 5 {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v += int(c-'0') * scale
		scale /= 10
	}
	if v > 1000 {
		return 0, false
	}
	return v, true
}

// nextItem splits off the first comma-separated element of an Accept header,
// ignoring commas inside quoted strings.
func nextItem(s string) (item, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func cutByte(s string, sep byte) (before, after string) {
	before, after, _ = cutByteOK(s, sep)
	return before, after
}

func cutByteOK(s string, sep byte) (before, after string, found bool) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func isBlank(s string) bool {
	return trimOWS(s) == ""
}

// asciiEqualFold reports whether a and b are equal ignoring ASCII case; media
// types are ASCII, and unlike strings.EqualFold this stops at a length mismatch.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
