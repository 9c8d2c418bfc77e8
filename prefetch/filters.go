package prefetch

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// Filters decide what the mirror holds. prefetch/filter's *Set implements
// it; Page is also what proxy.Config.Filter must run, so pages list only
// what the mirror serves.
type Filters interface {
	// Project reports whether a project is mirrored at all.
	Project(name string) bool
	// Page drops filtered files and releases from a page in place.
	Page(p *simple.Project)
	// AddProject grows the allowlist (--with-dependencies).
	AddProject(name string)
}

// allowAll mirrors everything.
type allowAll struct{}

func (allowAll) Project(string) bool  { return true }
func (allowAll) Page(*simple.Project) {}
func (allowAll) AddProject(string)    {}

// requiresDist is a minimal reader of a METADATA file's Requires-Dist
// names, normalized, skipping requirements that apply only to an extra.
// Config.RequiresDist (prefetch/filter's) replaces it when set.
func requiresDist(metadata []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(metadata))
	for sc.Scan() {
		line := sc.Text()
		if line == "" { // the headers end at the first blank line
			break
		}
		v, ok := strings.CutPrefix(line, "Requires-Dist:")
		if !ok {
			continue
		}
		req, marker, _ := strings.Cut(v, ";")
		if strings.Contains(marker, "extra") {
			continue
		}
		req = strings.TrimSpace(req)
		end := strings.IndexFunc(req, func(r rune) bool {
			return !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		})
		if end >= 0 {
			req = req[:end]
		}
		if req != "" {
			out = append(out, simple.Normalize(req))
		}
	}
	return out
}
