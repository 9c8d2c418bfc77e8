package prefetch

import (
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
