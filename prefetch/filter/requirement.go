package filter

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// requirement is a parsed PEP 508 requirement, reduced to what filtering needs.
type requirement struct {
	name  string // normalized
	spec  string // "" = any version
	specs *pep440.Specifiers
}

// parseRequirement parses "name", "name[extra]>=1,<2 ; marker", the old
// "name (>=1.0)" form and "name @ url" (taken as the bare name). Extras and
// markers are dropped.
func parseRequirement(s string) (requirement, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	n := 0
	for n < len(s) && isReqNameByte(s[n]) {
		n++
	}
	raw := s[:n]
	if err := simple.ValidateName(raw); err != nil {
		return requirement{}, fmt.Errorf("requirement %q: %w", s, err)
	}
	r := requirement{name: simple.Normalize(raw)}
	rest := strings.TrimSpace(s[n:])
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return requirement{}, fmt.Errorf("requirement %q: unclosed extras bracket", s)
		}
		rest = strings.TrimSpace(rest[end+1:])
	}
	if strings.HasPrefix(rest, "@") {
		return r, nil // direct URL reference: the project, any version
	}
	if strings.HasPrefix(rest, "(") {
		if !strings.HasSuffix(rest, ")") {
			return requirement{}, fmt.Errorf("requirement %q: unclosed parenthesis", s)
		}
		rest = strings.TrimSpace(rest[1 : len(rest)-1])
	}
	if rest == "" {
		return r, nil
	}
	if err := checkSpecifierSyntax(rest); err != nil {
		return requirement{}, fmt.Errorf("requirement %q: %w", s, err)
	}
	specs, err := pep440.NewSpecifiers(rest)
	if err != nil {
		return requirement{}, fmt.Errorf("requirement %q: bad version specifier: %v", s, err)
	}
	r.spec, r.specs = rest, &specs
	return r, nil
}

// checkSpecifierSyntax insists on PEP 440's comma-separated clauses, each
// starting with an operator; the library also takes "||" and bare versions.
func checkSpecifierSyntax(spec string) error {
	if strings.Contains(spec, "||") {
		return fmt.Errorf("bad version specifier %q: '||' is not PEP 440", spec)
	}
	for _, clause := range strings.Split(spec, ",") {
		clause = strings.TrimSpace(clause)
		if clause == "" || !strings.ContainsRune("<>=!~", rune(clause[0])) {
			return fmt.Errorf("bad version specifier %q: clause %q has no comparison operator", spec, clause)
		}
	}
	return nil
}

func isReqNameByte(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '.' || c == '_' || c == '-'
}

// readRequirementsFiles parses pip requirements files, following -r includes
// relative to the including file. Each file is read once.
func readRequirementsFiles(paths []string) ([]requirement, error) {
	seen := map[string]bool{}
	var out []requirement
	for _, p := range paths {
		reqs, err := readRequirementsFile(p, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, reqs...)
	}
	return out, nil
}

func readRequirementsFile(path string, seen map[string]bool) ([]requirement, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("filter: requirements file %s: %w", path, err)
	}
	if seen[abs] {
		return nil, nil
	}
	seen[abs] = true
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("filter: requirements file: %w", err)
	}
	var out []requirement
	for _, l := range logicalLines(data) {
		ln, line := l.n, l.text
		if include, ok := includeTarget(line); ok {
			if include == "" {
				return nil, fmt.Errorf("filter: %s:%d: %q names no file", path, ln, line)
			}
			if !filepath.IsAbs(include) {
				include = filepath.Join(filepath.Dir(path), include)
			}
			reqs, err := readRequirementsFile(include, seen)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, ln, err)
			}
			out = append(out, reqs...)
			continue
		}
		if skipRequirementLine(line) {
			continue
		}
		r, err := parseRequirement(line)
		if err != nil {
			return nil, fmt.Errorf("filter: %s:%d: %w", path, ln, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// logicalLines joins backslash continuations, strips comments (a '#' at the
// start or after whitespace) and per-requirement options (" --hash=..."), and
// returns the non-empty lines with their first physical line number.
func logicalLines(data []byte) []numberedLine {
	var out []numberedLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var cur strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(line)
		if l := cleanLine(cur.String()); l != "" {
			out = append(out, numberedLine{start, l})
		}
		cur.Reset()
	}
	if l := cleanLine(cur.String()); l != "" {
		out = append(out, numberedLine{start, l})
	}
	return out
}

type numberedLine struct {
	n    int
	text string
}

func cleanLine(l string) string {
	if strings.HasPrefix(strings.TrimSpace(l), "#") {
		return ""
	}
	for _, cut := range []string{" #", "\t#", " --", "\t--"} {
		if i := strings.Index(l, cut); i >= 0 {
			l = l[:i]
		}
	}
	return strings.TrimSpace(l)
}

// includeTarget recognizes "-r file", "-rfile", "--requirement file" and
// "--requirement=file". Constraints files (-c) add no projects and are skipped.
func includeTarget(line string) (string, bool) {
	switch {
	case strings.HasPrefix(line, "--requirement"):
		rest := strings.TrimPrefix(line, "--requirement")
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "=")), true
	case strings.HasPrefix(line, "-r"):
		return strings.TrimSpace(line[2:]), true
	}
	return "", false
}

// skipRequirementLine reports lines that name no index project: options
// (-i, --index-url, -e, -c, --hash ...), local paths and bare URLs.
func skipRequirementLine(line string) bool {
	return strings.HasPrefix(line, "-") || strings.HasPrefix(line, ".") ||
		strings.HasPrefix(line, "/") || strings.HasPrefix(line, "~") ||
		(strings.Contains(line, "://") && !strings.Contains(line, "@"))
}
