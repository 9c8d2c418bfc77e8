package index

import (
	"log/slog"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// keepValidNames drops the root's entries whose name is not a valid
// project name (simple.ValidateName): the proxy could not serve them,
// and a name such as "javascript:alert(1)" would become a script link in
// the rendered root.
func keepValidNames(root *simple.RootIndex, log *slog.Logger) {
	kept := root.Projects[:0]
	dropped := 0
	for _, p := range root.Projects {
		if simple.ValidateName(p.Name) != nil {
			dropped++
			continue
		}
		kept = append(kept, p)
	}
	root.Projects = kept
	if dropped > 0 && log != nil {
		log.Warn("dropped invalid project names from the upstream root", "count", dropped)
	}
}
