package upstream

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"strings"
)

// Rule pins the projects Pattern matches to the index named Index.
// Pattern is a normalized project name, or a glob (path.Match syntax:
// "acme-*" is a prefix, "*-internal" a suffix).
type Rule struct {
	Pattern string
	Index   string
}

// Match reports whether the normalized project name matches the rule.
func (r Rule) Match(name string) bool {
	if !strings.ContainsAny(r.Pattern, "*?[") {
		return r.Pattern == name
	}
	ok, _ := path.Match(r.Pattern, name)
	return ok
}

// ParseRule reads "PATTERN=INDEX"; a pattern "@FILE" reads one pattern a
// line from FILE ("#" starts a comment) and returns a rule for each.
// Names are normalized (PEP 503); a glob must be valid.
func ParseRule(s string) ([]Rule, error) {
	pattern, index, ok := strings.Cut(s, "=")
	pattern, index = strings.TrimSpace(pattern), strings.TrimSpace(index)
	if !ok || pattern == "" || index == "" {
		return nil, fmt.Errorf("route %q: want PATTERN=INDEX or @FILE=INDEX", s)
	}
	patterns, err := ParsePatterns(pattern)
	if err != nil {
		return nil, fmt.Errorf("route %q: %w", s, err)
	}
	rules := make([]Rule, 0, len(patterns))
	for _, p := range patterns {
		rules = append(rules, Rule{Pattern: p, Index: index})
	}
	return rules, nil
}

// ParsePatterns reads a project name or glob, or "@FILE" of them (one a
// line, "#" comments), each normalized (PEP 503) and checked.
func ParsePatterns(s string) ([]string, error) {
	patterns := []string{s}
	if file, isFile := strings.CutPrefix(s, "@"); isFile {
		var err error
		if patterns, err = readPatterns(file); err != nil {
			return nil, err
		}
	}
	for i, p := range patterns {
		patterns[i] = normalizePattern(p)
		if _, err := path.Match(patterns[i], ""); err != nil {
			return nil, fmt.Errorf("bad glob %q: %w", p, err)
		}
	}
	return patterns, nil
}

// normalizePattern lowercases and folds runs of "-_." as PEP 503 does,
// leaving glob characters alone.
func normalizePattern(p string) string {
	var b strings.Builder
	sep := false
	for _, c := range strings.ToLower(p) {
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		b.WriteRune(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

func readPatterns(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}
