// Package prefetch is the mirror (the command `pypi-proxy mirror` and
// `serve --prefetch`; "prefetch" and "mirror" name the same feature): it
// follows the upstream changelog and drives the index service (package
// proxy/index: Prepare, Plan.Fetch, Commit) to keep a full or filtered
// bandersnatch-layout tree, so a page or file fetched by the mirror is a
// hit for the lazy proxy and the other way round.
package prefetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// Config configures a Mirror. Zero values are the documented defaults.
type Config struct {
	// Index is the index service whose machinery fills the tree; its store
	// is the tree and its root index is the one followed. Required.
	Index *index.Service
	// Source, when set, replaces detection (XML-RPC, else the JSON root).
	Source Source
	// Workers bounds parallel project syncs and, separately, parallel file
	// downloads (default 8, at most 64).
	Workers int
	// Filters choose projects (nil: everything). Their Page must also be
	// the index service's Config.Filter.
	Filters Filters
	// JSON also mirrors each project's PyPI JSON API document
	// (web/pypi/<name>/json and web/json/<name>), like bandersnatch's json = true.
	JSON bool
	// WithDependencies adds every mirrored project's dependencies (from its
	// wheels' core metadata) to the allowlist: the dependency closure.
	WithDependencies bool
	// IndexOnly mirrors the pages and the small PEP 658 metadata files but
	// not the distributions (bandersnatch's release-files = false): serve
	// fetches each distribution the first time it is asked for.
	IndexOnly bool
	// AllowMassDelete lets a pass remove more than MassDeletePercent of
	// the mirrored projects (or all of them); without it such a pass stops.
	AllowMassDelete bool
	// StopOnError ends a pass at its first failed project (bandersnatch's
	// stop-on-error); the rest stay in todo for the next one.
	StopOnError bool
	// Progress receives progress bars when ProgressBars is set.
	Progress     io.Writer
	ProgressBars bool
	// ProgressInterval is how often a log line reports progress when there
	// are no bars (default 10s; negative: never).
	ProgressInterval time.Duration
	// Logger receives logs; nil uses slog.Default().
	Logger *slog.Logger
}

// MaxWorkers caps Config.Workers.
const MaxWorkers = 64

// Stats is what a pass did.
type Stats struct {
	// Source is "xmlrpc" or "json"; Full is set for an initial full sync.
	Source string
	Full   bool
	// Serial is the status after the pass; UpstreamSerial what upstream had.
	Serial, UpstreamSerial int64
	Projects               int // projects synced
	Removed                int // projects deleted (gone upstream or filtered out)
	Files                  int // files and metadata files downloaded
	Bytes                  int64
	FilesRemoved           int // files that left their pages
	Failed                 []string
	// Left is how many projects an interrupted pass left to do (in todo,
	// where the next pass resumes).
	Left     int
	Duration time.Duration
}

// ErrIncomplete is a pass in which some projects failed: they stay in the
// todo list and status does not advance until they are synced.
var ErrIncomplete = errors.New("mirror pass incomplete")

// Mirror keeps a tree in step with upstream.
type Mirror struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	known  map[string]int64 // mirrored project -> serial (state/serials.json)
	loaded bool
	// deletes is the running pass's removal allowance (nil: unlimited).
	deletes *deleteBudget
}

// New checks cfg and builds a Mirror.
func New(cfg Config) (*Mirror, error) {
	if cfg.Index == nil {
		return nil, errors.New("prefetch: Index is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Workers > MaxWorkers {
		return nil, fmt.Errorf("prefetch: at most %d workers", MaxWorkers)
	}
	if cfg.Filters == nil {
		cfg.Filters = allowAll{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ProgressInterval == 0 {
		cfg.ProgressInterval = 10 * time.Second
	}
	return &Mirror{cfg: cfg, log: cfg.Logger}, nil
}

// source returns the configured source or detects one.
func (m *Mirror) source(ctx context.Context) (Source, error) {
	if m.cfg.Source != nil {
		return m.cfg.Source, nil
	}
	root := m.cfg.Index.Upstream().Root()
	return detectSource(ctx, &xmlrpcSource{ix: root}, &jsonSource{ix: root})
}

// load reads the mirrored projects' serials once.
func (m *Mirror) load(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loaded {
		return nil
	}
	known, err := loadSerials(ctx, m.store())
	if err != nil {
		return err
	}
	m.known, m.loaded = known, true
	if m.cfg.WithDependencies {
		// The closure found by earlier passes stays mirrored.
		for name := range known {
			m.cfg.Filters.AddProject(name)
		}
	}
	return nil
}

// Sync runs one pass: it finishes an interrupted pass (todo), then does
// the initial full sync when there is no status, else an incremental sync
// since the stored serial. status advances only when every project of the
// pass is on disk.
func (m *Mirror) Sync(ctx context.Context) (st Stats, err error) {
	// Pages and files are flushed in bulk before todo and status record
	// them (see cache.DeferSync): per-file fsyncs would bound the sync.
	ctx = cache.DeferSync(ctx)
	start := time.Now()
	defer func() {
		st.Duration = time.Since(start)
		syncDuration.Observe(st.Duration.Seconds())
	}()
	if err := m.load(ctx); err != nil {
		return st, err
	}
	if err := ensureGeneration(ctx, m.store()); err != nil {
		return st, err
	}
	if todo, err := readTodo(ctx, m.store()); err == nil {
		m.log.Info("resuming an unfinished sync", "target_serial", todo.Serial, "projects", len(todo.Projects))
		if err := m.runPass(ctx, todo, &st); err != nil {
			return st, err
		}
	} else if !isNotExist(err) {
		return st, err
	}
	status, ok, err := readStatus(ctx, m.store())
	if err != nil {
		return st, err
	}
	src, err := m.source(ctx)
	if err != nil {
		failures.WithLabelValues("changelog").Inc()
		return st, err
	}
	st.Source = src.Name()
	todo, err := m.plan(ctx, src, status, ok, &st)
	if err != nil {
		failures.WithLabelValues("changelog").Inc()
		return st, err
	}
	st.UpstreamSerial = todo.Serial
	if ok && todo.Serial <= status && len(todo.Projects) == 0 {
		st.Serial = status
		setSerials(status, todo.Serial)
		return st, nil
	}
	if err := writeTodo(ctx, m.store(), todo); err != nil {
		return st, err
	}
	return st, m.runPass(ctx, todo, &st)
}

// plan asks the source what to sync.
func (m *Mirror) plan(ctx context.Context, src Source, status int64, haveStatus bool, st *Stats) (*todoList, error) {
	known := m.knownCopy()
	if haveStatus {
		changes, serial, err := src.Since(ctx, status, known)
		if err != nil {
			return nil, err
		}
		m.log.Info("incremental sync", "source", src.Name(), "from_serial", status, "to_serial", serial, "projects", len(changes))
		return &todoList{Serial: serial, Projects: changes}, nil
	}
	st.Full = true
	all, serial, err := src.List(ctx)
	if err != nil {
		return nil, err
	}
	todo := &todoList{Serial: serial, Projects: make(map[string]change, len(all))}
	for name, ser := range all {
		if m.cfg.Filters.Project(name) {
			todo.Projects[name] = change{Serial: ser}
		}
	}
	for name := range known { // mirrored once, gone since
		if _, ok := all[name]; !ok {
			todo.Projects[name] = change{Serial: -1, Removed: true}
		}
	}
	m.log.Info("full sync", "source", src.Name(), "serial", serial, "upstream_projects", len(all), "projects", len(todo.Projects))
	return todo, nil
}

// runPass syncs todo's projects, then writes the root index and, when all
// succeeded, status (removing todo); otherwise todo keeps the failures.
func (m *Mirror) runPass(ctx context.Context, todo *todoList, st *Stats) error {
	if err := m.startDeleteBudget(todo); err != nil {
		return err
	}
	failed := m.syncAll(ctx, todo, st, "sync")
	if ctx.Err() != nil {
		// Interrupted: todo keeps exactly what is left, for the rerun.
		st.Left = len(failed)
		if err := writeTodo(context.WithoutCancel(ctx), m.store(), &todoList{Serial: todo.Serial, Projects: failed}); err != nil {
			m.log.Warn("cannot record the projects left", "err", err)
		}
		return ctx.Err()
	}
	if err := m.finish(ctx, todo.Serial); err != nil {
		return err
	}
	if len(failed) > 0 {
		if err := writeTodo(ctx, m.store(), &todoList{Serial: todo.Serial, Projects: failed}); err != nil {
			return err
		}
		if err := m.deletes.refusal(); err != nil {
			return err
		}
		return fmt.Errorf("%w: %d projects failed (retried next pass)", ErrIncomplete, len(failed))
	}
	if err := writeStatus(ctx, m.store(), todo.Serial); err != nil {
		return err
	}
	if err := m.store().Delete(ctx, cache.TodoKey); err != nil {
		return err
	}
	st.Serial = todo.Serial
	setSerials(todo.Serial, max(todo.Serial, st.UpstreamSerial))
	return nil
}

// SyncProjects syncs just these projects now (mirror --project), at
// whatever serial upstream has; status and todo are left alone.
func (m *Mirror) SyncProjects(ctx context.Context, names []string) (Stats, error) {
	ctx = cache.DeferSync(ctx)
	start := time.Now()
	st := Stats{}
	if err := m.load(ctx); err != nil {
		return st, err
	}
	todo := &todoList{Serial: -1, Projects: map[string]change{}}
	for _, n := range names {
		name := normalize(n)
		m.cfg.Filters.AddProject(name)
		todo.Projects[name] = change{Serial: -1}
	}
	if err := m.startDeleteBudget(todo); err != nil {
		return st, err
	}
	failed := m.syncAll(ctx, todo, &st, "sync")
	st.Duration = time.Since(start)
	if ctx.Err() != nil {
		st.Left = len(failed)
		return st, ctx.Err()
	}
	if err := m.finish(ctx, -1); err != nil {
		return st, err
	}
	if err := cache.Flush(ctx, m.store()); err != nil {
		return st, err
	}
	if err := m.deletes.refusal(); err != nil {
		return st, err
	}
	if len(failed) > 0 {
		return st, fmt.Errorf("%w: %d projects failed", ErrIncomplete, len(failed))
	}
	return st, nil
}

// Run syncs every interval until ctx ends (serve --prefetch). A failed
// pass is logged and retried at the next tick.
func (m *Mirror) Run(ctx context.Context, interval time.Duration) {
	for {
		st, err := m.Sync(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			m.log.Error("mirror sync failed", "err", err, "failed_projects", len(st.Failed))
		default:
			m.log.Info("mirror sync done", "serial", st.Serial, "projects", st.Projects, "files", st.Files,
				"bytes", st.Bytes, "removed", st.Removed, "duration", st.Duration.Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// finish persists the serials and writes the root index and last-modified.
func (m *Mirror) finish(ctx context.Context, serial int64) error {
	known := m.knownCopy()
	if err := saveSerials(ctx, m.store(), known); err != nil {
		return err
	}
	if serial < 0 {
		if s, ok, _ := readStatus(ctx, m.store()); ok {
			serial = s
		}
	}
	if err := writeRootIndex(ctx, m.cfg.Index, known, serial); err != nil {
		return err
	}
	return writeLastModified(ctx, m.store(), time.Now())
}

func (m *Mirror) knownCopy() map[string]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int64, len(m.known))
	for k, v := range m.known {
		out[k] = v
	}
	return out
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// store is the tree the mirror fills.
func (m *Mirror) store() cache.Store { return m.cfg.Index.Store() }
