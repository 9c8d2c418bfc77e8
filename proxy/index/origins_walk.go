package index

import (
	"context"
	"strings"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// WalkProjectFiles calls fn with each project's recorded file origins, one
// project at a time, in the store's walk order. Records are read from the
// store (or taken from memory when held there) and not kept: a walk over a
// whole mirror holds one project's records at a time, which is what verify
// needs to run in memory that does not grow with the number of files. The
// files slice is reused: fn must not keep it after it returns. An error
// from fn ends the walk and is returned.
func (s *Service) WalkProjectFiles(ctx context.Context, fn func(project string, files []FileOrigin) error) error {
	var buf []FileOrigin
	return s.cfg.Store.Walk(ctx, cache.OriginsPrefix, func(info cache.Info) error {
		name, ok := strings.CutSuffix(strings.TrimPrefix(info.Key, cache.OriginsPrefix), ".json")
		if !ok || strings.Contains(name, "/") {
			return nil
		}
		rec, held := s.origins.projects.Get(name)
		files := rec.files
		if !held {
			var err error
			if files, err = s.origins.loadProject(ctx, name); err != nil {
				if !isNotExist(err) {
					s.cfg.Logger.Warn("cannot read file origins", "project", name, "err", err)
				}
				return nil
			}
		}
		buf = buf[:0]
		for key, o := range files {
			buf = append(buf, fileOrigin(key, o))
		}
		return fn(name, buf)
	})
}
