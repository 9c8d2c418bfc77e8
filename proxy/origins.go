package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"strings"
	"sync"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// origin is where a cached file comes from: only files with an origin
// learned from an upstream index page are ever fetched.
type origin struct {
	Project string            `json:"project"`
	URL     string            `json:"url"`
	Hashes  map[string]string `json:"hashes"`
	Size    int64             `json:"size"`
	// Metadata is set when the page advertised a PEP 658 metadata file;
	// MetadataHashes may then be empty.
	Metadata       bool              `json:"metadata,omitempty"`
	MetadataHashes map[string]string `json:"metadata_hashes,omitempty"`
}

// originBook remembers, persistently, the origin of every file key the
// proxy has linked to. One JSON document per project under state/origins/,
// rewritten when the project's files change.
type originBook struct {
	store cache.Store
	log   *slog.Logger

	mu       sync.RWMutex
	byKey    map[string]origin
	projects map[string]map[string]origin // project -> key -> origin, as persisted
}

func newOriginBook(store cache.Store, log *slog.Logger) *originBook {
	return &originBook{store: store, log: log, byKey: map[string]origin{}, projects: map[string]map[string]origin{}}
}

func originsKey(project string) string { return "state/origins/" + project + ".json" }

// record replaces the origins of project's files and persists them when
// they changed.
func (b *originBook) record(ctx context.Context, project string, files map[string]origin) {
	b.mu.Lock()
	prev, known := b.projects[project]
	if !known {
		b.mu.Unlock()
		prev, _ = b.loadProject(ctx, project)
		b.mu.Lock()
	}
	for k, o := range files {
		b.byKey[k] = o
	}
	b.projects[project] = files
	b.mu.Unlock()
	if sameOrigins(prev, files) {
		return
	}
	data, err := json.Marshal(files)
	if err == nil {
		err = cache.WriteObject(ctx, b.store, originsKey(project), data)
	}
	if err != nil {
		b.log.Warn("cannot persist file origins", "project", project, "err", err)
	}
}

// files returns a project's recorded origins (a copy).
func (b *originBook) files(ctx context.Context, project string) map[string]origin {
	b.mu.RLock()
	files, known := b.projects[project]
	b.mu.RUnlock()
	if !known {
		files, _ = b.loadProject(ctx, project)
	}
	return maps.Clone(files)
}

// drop forgets a project.
func (b *originBook) drop(project string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.projects[project] {
		delete(b.byKey, k)
	}
	delete(b.projects, project)
}

// add merges origins learned elsewhere (the JSON API) into project's record.
func (b *originBook) add(ctx context.Context, project string, files map[string]origin) {
	b.mu.RLock()
	prev, known := b.projects[project]
	b.mu.RUnlock()
	if !known {
		prev, _ = b.loadProject(ctx, project)
	}
	merged := maps.Clone(prev)
	if merged == nil {
		merged = map[string]origin{}
	}
	maps.Copy(merged, files)
	b.record(ctx, project, merged)
}

func sameOrigins(a, b map[string]origin) bool {
	return maps.EqualFunc(a, b, func(x, y origin) bool {
		return x.URL == y.URL && maps.Equal(x.Hashes, y.Hashes) && x.Metadata == y.Metadata &&
			maps.Equal(x.MetadataHashes, y.MetadataHashes) && x.Size == y.Size && x.Project == y.Project
	})
}

// lookup finds the origin of a file key: in memory, or in the persisted
// record of a project the file's name says it may belong to.
func (b *originBook) lookup(ctx context.Context, key string) (origin, bool) {
	b.mu.RLock()
	o, ok := b.byKey[key]
	b.mu.RUnlock()
	if ok {
		return o, true
	}
	filename := key[strings.LastIndexByte(key, '/')+1:]
	for _, project := range projectCandidates(filename) {
		b.mu.RLock()
		_, known := b.projects[project]
		b.mu.RUnlock()
		if known {
			continue
		}
		files, err := b.loadProject(ctx, project)
		if err != nil {
			continue
		}
		b.mu.Lock()
		if _, raced := b.projects[project]; !raced {
			b.projects[project] = files
			for k, o := range files {
				b.byKey[k] = o
			}
		}
		b.mu.Unlock()
		if o, ok := files[key]; ok {
			return o, true
		}
	}
	return origin{}, false
}

func (b *originBook) loadProject(ctx context.Context, project string) (map[string]origin, error) {
	data, err := cache.ReadObject(ctx, b.store, originsKey(project))
	if err != nil {
		return nil, err
	}
	files := map[string]origin{}
	if err := json.Unmarshal(data, &files); err != nil {
		return nil, err
	}
	return files, nil
}

// projectCandidates lists the project names a distribution filename may
// belong to: a wheel's first component, or every dash-split prefix of an
// sdist name (legacy sdists keep dashes in the name).
func projectCandidates(filename string) []string {
	parts := strings.Split(filename, "-")
	var out []string
	for i := 1; i < len(parts); i++ {
		name := simple.Normalize(strings.Join(parts[:i], "-"))
		if simple.ValidateName(name) == nil {
			out = append(out, name)
		}
	}
	return out
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
