package fakepypi

import (
	"strconv"
	"strings"
)

// Media types of the simple API (PEP 691).
const (
	MediaJSON   = "application/vnd.pypi.simple.v1+json"
	MediaHTMLv1 = "application/vnd.pypi.simple.v1+html"
	MediaHTML   = "text/html"
)

// aliases maps the "latest" media types to the v1 ones.
var aliases = map[string]string{
	"application/vnd.pypi.simple.latest+json": MediaJSON,
	"application/vnd.pypi.simple.latest+html": MediaHTMLv1,
}

// negotiate picks the response media type as PyPI does: offers in the order text/html, v1+html,
// v1+json; the highest q wins and ties go to the earlier offer; no Accept header, or nothing
// acceptable, gives text/html. format (the ?format= parameter) overrides Accept; ok is false when
// format names no known type. htmlOnly removes JSON from the offers.
func negotiate(accept, format string, htmlOnly bool) (media string, ok bool) {
	offers := []string{MediaHTML, MediaHTMLv1, MediaJSON}
	if htmlOnly {
		offers = offers[:2]
	}
	if format != "" {
		if a, isAlias := aliases[format]; isAlias {
			format = a
		}
		for _, o := range offers {
			if o == format {
				return o, true
			}
		}
		if htmlOnly && format == MediaJSON {
			return MediaHTML, true
		}
		return "", false
	}
	if strings.TrimSpace(accept) == "" {
		return MediaHTML, true
	}
	ranges := parseAccept(accept)
	best, bestQ := MediaHTML, 0.0
	for _, o := range offers {
		if q := qualityFor(o, ranges); q > bestQ {
			best, bestQ = o, q
		}
	}
	return best, true
}

type mediaRange struct {
	typ string
	q   float64
}

// parseAccept splits an Accept header into media ranges with their q values.
func parseAccept(h string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(h, ",") {
		fields := strings.Split(part, ";")
		typ := strings.ToLower(strings.TrimSpace(fields[0]))
		if typ == "" {
			continue
		}
		if a, ok := aliases[typ]; ok {
			typ = a
		}
		mr := mediaRange{typ: typ, q: 1}
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					mr.q = q
				}
			}
		}
		out = append(out, mr)
	}
	return out
}

// qualityFor returns the q of the most specific range matching offer (0 when none matches).
func qualityFor(offer string, ranges []mediaRange) float64 {
	major, _, _ := strings.Cut(offer, "/")
	q, spec := 0.0, -1
	for _, r := range ranges {
		s := -1
		switch {
		case r.typ == offer:
			s = 2
		case r.typ == major+"/*":
			s = 1
		case r.typ == "*/*":
			s = 0
		}
		if s > spec {
			q, spec = r.q, s
		}
	}
	return q
}
