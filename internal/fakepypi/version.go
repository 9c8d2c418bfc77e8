package fakepypi

import (
	"strconv"
	"strings"
)

// pyVersion is a simplified PEP 440 version, enough to sort the versions the fake publishes.
type pyVersion struct {
	epoch   int
	release []int
	pre     [2]int // kind (-1 none, 0 a, 1 b, 2 rc) and number
	post    int    // -1 none
	dev     int    // -1 none
	raw     string
}

// parseVersion parses v leniently; unparsable parts compare as zero.
func parseVersion(v string) pyVersion {
	pv := pyVersion{pre: [2]int{-1, 0}, post: -1, dev: -1, raw: v}
	s := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), "v"))
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '!'); i >= 0 {
		pv.epoch, _ = strconv.Atoi(s[:i])
		s = s[i+1:]
	}
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(s[i:j])
		pv.release = append(pv.release, n)
		i = j
		if i < len(s) && s[i] == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			i++
			continue
		}
		break
	}
	rest := strings.TrimLeft(s[i:], ".-_")
	for rest != "" {
		word, num, tail := splitSegment(rest)
		switch word {
		case "a", "alpha":
			pv.pre = [2]int{0, num}
		case "b", "beta":
			pv.pre = [2]int{1, num}
		case "rc", "c", "pre", "preview":
			pv.pre = [2]int{2, num}
		case "post", "rev", "r", "":
			pv.post = num
		case "dev":
			pv.dev = num
		}
		rest = strings.TrimLeft(tail, ".-_")
	}
	return pv
}

func splitSegment(s string) (word string, num int, rest string) {
	i := 0
	for i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
		i++
	}
	j := i
	for j < len(s) && (s[j] == '.' || s[j] == '-' || s[j] == '_') {
		j++
	}
	k := j
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if k == j {
		if i == 0 { // no word and no number: skip a byte to make progress
			return "?", 0, s[1:]
		}
		k = i
	} else {
		num, _ = strconv.Atoi(s[j:k])
	}
	return s[:i], num, s[k:]
}

// isPrerelease reports whether v has a pre-release or dev segment.
func (v pyVersion) isPrerelease() bool { return v.pre[0] >= 0 || v.dev >= 0 }

// compareVersions orders a and b as PEP 440 does (for the common forms).
func compareVersions(a, b string) int {
	x, y := parseVersion(a), parseVersion(b)
	if c := cmpInt(x.epoch, y.epoch); c != 0 {
		return c
	}
	n := max(len(x.release), len(y.release))
	for i := 0; i < n; i++ {
		var p, q int
		if i < len(x.release) {
			p = x.release[i]
		}
		if i < len(y.release) {
			q = y.release[i]
		}
		if c := cmpInt(p, q); c != 0 {
			return c
		}
	}
	if c := cmpInt(x.preKey(), y.preKey()); c != 0 {
		return c
	}
	if x.pre[0] >= 0 && y.pre[0] >= 0 {
		if c := cmpInt(x.pre[1], y.pre[1]); c != 0 {
			return c
		}
	}
	if c := cmpInt(x.post, y.post); c != 0 {
		return c
	}
	if c := cmpInt(x.devKey(), y.devKey()); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// preKey sorts dev-only releases before pre-releases, and finals after both.
func (v pyVersion) preKey() int {
	switch {
	case v.pre[0] >= 0:
		return v.pre[0]
	case v.dev >= 0 && v.post < 0:
		return -1
	default:
		return 3
	}
}

func (v pyVersion) devKey() int {
	if v.dev < 0 {
		return 1 << 30
	}
	return v.dev
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
