package proxy

import "strings"

// acceptsCoding reports whether an Accept-Encoding header allows the
// content coding (gzip also as x-gzip; "*" allows any coding not named).
func acceptsCoding(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case name == coding || coding == "gzip" && name == "x-gzip":
			return !zeroQ(params)
		case name == "*":
			star = !zeroQ(params)
		}
	}
	return star
}

// zeroQ reports a q=0 parameter: the coding is refused.
func zeroQ(params string) bool {
	q := strings.ReplaceAll(strings.ToLower(params), " ", "")
	return q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000"
}
