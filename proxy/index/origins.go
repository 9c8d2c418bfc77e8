package index

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"strings"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// origin is where a cached file comes from: only files with an origin
// learned from an upstream index page are ever fetched.
type origin struct {
	Project string `json:"project"`
	// Index names the upstream index whose page listed the file; the file
	// is fetched through that index ("" in records written before there
	// were several: the project's index).
	Index  string            `json:"index,omitempty"`
	URL    string            `json:"url"`
	Hashes map[string]string `json:"hashes"`
	Size   int64             `json:"size"`
	// Metadata is set when the page advertised a PEP 658 metadata file;
	// MetadataHashes may then be empty.
	Metadata       bool              `json:"metadata,omitempty"`
	MetadataHashes map[string]string `json:"metadata_hashes,omitempty"`
	// MetadataExtracted is set when the proxy extracted the metadata file
	// from the cached wheel (upstream offered none it could verify);
	// MetadataHashes then holds its sha256.
	MetadataExtracted bool `json:"metadata_extracted,omitempty"`
	// UploadTime is the upload-time the page gave, as written ("" none):
	// the policy decides downloads by it.
	UploadTime string `json:"upload_time,omitempty"`
	// Removed, on a tombstone, is the rule that removed a file its page
	// no longer lists ("removed", "quarantined"): it answers 410 Gone.
	Removed string `json:"removed,omitempty"`
}

// originBook remembers, persistently, the origin of every file key the
// proxy has linked to: one JSON document per project under state/origins/,
// rewritten when the project's files change. Memory is bounded (a full
// mirror has millions of files): recently used projects are kept in
// ristretto, the rest are read back from the store, found from the file's
// name.
type originBook struct {
	store    cache.Store
	log      *slog.Logger
	projects *ristretto.Cache[string, projectRecord] // project -> its files' origins
	owners   *ristretto.Cache[string, string]        // key -> project, for names that do not tell
}

// projectRecord is a project's origins in memory: file key -> origin,
// never mutated. unsaved marks a record whose last write failed (a full
// disk): memory is its only copy, and the next record of the project is
// written even if it is the same. The mark goes with the record, so a
// disk that stays full costs no memory beyond the records' budget.
type projectRecord struct {
	files   map[string]origin
	unsaved bool
}

func newOriginBook(store cache.Store, projectBytes, ownerBytes int64, log *slog.Logger) (*originBook, error) {
	projects, err := ristretto.NewCache(&ristretto.Config[string, projectRecord]{
		NumCounters: counters(projectBytes, 4096), MaxCost: projectBytes, BufferItems: 64,
	})
	if err != nil {
		return nil, err
	}
	owners, err := ristretto.NewCache(&ristretto.Config[string, string]{
		NumCounters: counters(ownerBytes, 128), MaxCost: ownerBytes, BufferItems: 64,
	})
	if err != nil {
		return nil, err
	}
	return &originBook{store: store, log: log, projects: projects, owners: owners}, nil
}

// originsCost approximates the memory of a project's records: per file,
// the map slot with its key and the record with its strings, and each of
// its hash maps (a small Go map costs about 300 bytes before its
// entries). Measured against heap profiles: 1.1-1.3 KB for a file with
// a sha256 and a metadata hash.
func originsCost(files map[string]origin) int64 {
	n := int64(96) // the map itself
	for key, o := range files {
		n += 160 + int64(len(key)+len(o.URL)+len(o.UploadTime)+len(o.Removed))
		n += hashesCost(o.Hashes) + hashesCost(o.MetadataHashes)
	}
	return n
}

// hashesCost approximates the memory of a small map of hashes.
func hashesCost(m map[string]string) int64 {
	if m == nil {
		return 0
	}
	n := int64(300)
	for k, v := range m {
		n += int64(len(k) + len(v))
	}
	return n
}

// record replaces the origins of project's files. They are persisted
// (when they changed) before record returns, so a page linking the files
// is never served before its files can be found. They are kept in memory
// even when they cannot be persisted (a full disk): the error says so.
func (b *originBook) record(ctx context.Context, project string, files map[string]origin) error {
	err := b.persist(ctx, project, files)
	b.remember(project, files, err != nil)
	return err
}

// narrow replaces project's record only if the new one reaches the disk:
// a mirror's commit drops the files that left the page, and if that cannot
// be written the next sync must still know them, to delete them.
func (b *originBook) narrow(ctx context.Context, project string, files map[string]origin) error {
	if err := b.persist(ctx, project, files); err != nil {
		return err
	}
	b.remember(project, files, false)
	return nil
}

// persist writes project's record unless the stored one is the same.
func (b *originBook) persist(ctx context.Context, project string, files map[string]origin) error {
	if rec, held := b.projects.Get(project); !held || !rec.unsaved {
		if prev, _ := b.project(ctx, project); sameOrigins(prev, files) {
			return nil
		}
	}
	data, err := json.Marshal(files)
	if err == nil {
		err = cache.WriteObject(ctx, b.store, cache.ProjectOriginsKey(project), data)
	}
	if err != nil {
		b.log.Warn("cannot persist file origins", "project", project, "err", err)
		return fmt.Errorf("file origins of %s: %w", project, err)
	}
	return nil
}

// remember keeps project's record in memory, unsaved when it could not
// be written.
func (b *originBook) remember(project string, files map[string]origin, unsaved bool) {
	b.projects.Set(project, projectRecord{files: files, unsaved: unsaved}, originsCost(files))
	b.projects.Wait() // sets are asynchronous: the files are asked for right away
	for key := range files {
		if !nameTells(path.Base(key), project) {
			b.owners.Set(key, project, int64(len(key)+len(project)+48))
		}
	}
}

// project returns a project's records from memory or the store.
func (b *originBook) project(ctx context.Context, name string) (map[string]origin, bool) {
	if rec, ok := b.projects.Get(name); ok {
		return rec.files, true
	}
	files, err := b.loadProject(ctx, name)
	if err != nil {
		if !isNotExist(err) {
			b.log.Warn("cannot read file origins", "project", name, "err", err)
		}
		return nil, false
	}
	b.projects.Set(name, projectRecord{files: files}, originsCost(files))
	return files, true
}

// files returns a project's recorded origins (a copy).
func (b *originBook) files(ctx context.Context, project string) map[string]origin {
	files, _ := b.project(ctx, project)
	return maps.Clone(files)
}

// drop forgets a project.
func (b *originBook) drop(project string) {
	b.projects.Del(project)
}

// learn adds origins learned elsewhere (the JSON API) for files the
// project's record does not know. A file a page described keeps the
// page's record: the JSON API says nothing of PEP 658 metadata files, and
// must not hide them.
func (b *originBook) learn(ctx context.Context, project string, files map[string]origin) {
	merged := b.files(ctx, project)
	if merged == nil {
		merged = map[string]origin{}
	}
	added := false
	for key, o := range files {
		if _, known := merged[key]; !known {
			merged[key], added = o, true
		}
	}
	if added {
		_ = b.record(ctx, project, merged) // logged; the JSON API works from memory
	}
}

func sameOrigins(a, b map[string]origin) bool {
	return maps.EqualFunc(a, b, func(x, y origin) bool {
		return x.URL == y.URL && maps.Equal(x.Hashes, y.Hashes) && x.Metadata == y.Metadata &&
			maps.Equal(x.MetadataHashes, y.MetadataHashes) &&
			x.MetadataExtracted == y.MetadataExtracted && x.Size == y.Size && x.Project == y.Project && x.Index == y.Index &&
			x.UploadTime == y.UploadTime && x.Removed == y.Removed
	})
}

// lookup finds the origin of a file key, in the record of the project the
// file's name says it belongs to (or that record said it does).
func (b *originBook) lookup(ctx context.Context, key string) (origin, bool) {
	// The projects the file's name says first: another project's page
	// claiming the same path (owners) must not take a file from its own.
	candidates := projectCandidates(path.Base(key))
	if p, ok := b.owners.Get(key); ok {
		candidates = append(candidates, p)
	}
	for _, project := range candidates {
		if files, ok := b.project(ctx, project); ok {
			if o, ok := files[key]; ok {
				return o, true
			}
		}
	}
	return origin{}, false
}

func (b *originBook) loadProject(ctx context.Context, project string) (map[string]origin, error) {
	data, err := cache.ReadObject(ctx, b.store, cache.ProjectOriginsKey(project))
	if err != nil {
		return nil, err
	}
	files := map[string]origin{}
	if err := json.Unmarshal(data, &files); err != nil {
		return nil, err
	}
	return files, nil
}

// nameTells reports whether project is one of filename's
// projectCandidates, normalizing only the prefixes long enough to be it.
func nameTells(filename, project string) bool {
	for i := 0; i < len(filename); i++ {
		if filename[i] == '-' && i >= len(project) && simple.Normalize(filename[:i]) == project {
			return true
		}
	}
	return false
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

// indexOf is the index the project's recorded files came from ("" when
// none is recorded): a page read back from the tree says no more.
func (b *originBook) indexOf(ctx context.Context, project string) string {
	files, _ := b.project(ctx, project)
	for _, o := range files {
		return o.Index
	}
	return ""
}
