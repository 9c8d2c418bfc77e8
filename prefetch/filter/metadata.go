package filter

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// extraMarker finds the "extra" marker variable in an environment marker.
var extraMarker = regexp.MustCompile(`(^|[\s(])extra\s*(==|!=|===|\bin\b|\bnot\s+in\b)|['"]\s*(==|!=|\bin\b|\bnot\s+in\b)\s*extra\b`)

// RequiresDist returns the normalized names of the Requires-Dist dependencies
// in a core metadata file (METADATA / PKG-INFO: RFC 822 headers, continuation
// lines, the body after the first blank line ignored), deduplicated in order
// of first appearance.
//
// Unconditional dependencies and those behind environment markers
// (python_version, sys_platform, ...) are included: a mirror serves every
// environment. Dependencies whose marker mentions `extra` are excluded, even
// when combined with other conditions: they are needed only when someone asks
// for that extra, and following every extra would pull in most of PyPI.
// Entries that do not parse as a requirement are skipped.
func RequiresDist(metadata []byte) []string {
	var out []string
	seen := map[string]bool{}
	for _, value := range headerValues(metadata, "requires-dist") {
		req, marker, _ := strings.Cut(value, ";")
		if extraMarker.MatchString(marker) {
			continue
		}
		r, err := parseRequirement(req)
		if err != nil || seen[r.name] {
			continue
		}
		seen[r.name] = true
		out = append(out, r.name)
	}
	return out
}

// headerValues returns the values of every header called name (lower case),
// with continuation lines joined by a space.
func headerValues(data []byte, name string) []string {
	var out []string
	var cur *strings.Builder
	flush := func() {
		if cur != nil {
			out = append(out, strings.TrimSpace(cur.String()))
			cur = nil
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break // end of headers; the body is the description
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				cur.WriteByte(' ')
				cur.WriteString(strings.TrimSpace(line))
			}
			continue
		}
		flush()
		key, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(key), name) {
			cur = &strings.Builder{}
			cur.WriteString(value)
		}
	}
	flush()
	return out
}
