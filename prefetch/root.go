package prefetch

import (
	"context"
	"maps"
	"slices"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// writeRootIndex writes web/simple/index.html, index.v1_html and
// index.v1_json (with their compressed copies and sidecar, through the
// index service) listing the mirrored projects with their serials, so a
// static server (nginx) shows only what the mirror holds.
func writeRootIndex(ctx context.Context, s *index.Service, known map[string]int64, serial int64) error {
	root := &simple.RootIndex{Meta: simple.Meta{LastSerial: serial}}
	for _, name := range slices.Sorted(maps.Keys(known)) {
		root.Projects = append(root.Projects, simple.RootProject{Name: name, LastSerial: known[name]})
	}
	return s.WriteRoot(ctx, root)
}
