package prefetch

import (
	"context"
	"maps"
	"slices"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// writeRootIndex writes web/simple/index.html, index.v1_html and
// index.v1_json listing the mirrored projects with their serials, so a
// static server (nginx) shows only what the mirror holds.
func writeRootIndex(ctx context.Context, s cache.Store, known map[string]int64, serial int64) error {
	root := &simple.RootIndex{Meta: simple.Meta{LastSerial: serial}}
	for _, name := range slices.Sorted(maps.Keys(known)) {
		root.Projects = append(root.Projects, simple.RootProject{Name: name, LastSerial: known[name]})
	}
	html := simple.RenderRootHTML(root)
	for _, w := range []struct {
		f    cache.PageFormat
		data []byte
	}{{cache.PageV1JSON, simple.RenderRootJSON(root)}, {cache.PageV1HTML, html}, {cache.PageHTML, html}} {
		if err := cache.WriteObject(ctx, s, cache.RootPageKey(w.f), w.data); err != nil {
			return err
		}
	}
	return nil
}
