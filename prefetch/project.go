package prefetch

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch/filter"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// checkpointEvery is how often an unfinished pass rewrites todo with the
// projects still pending, so a killed pass resumes near where it stopped.
const checkpointEvery = 5 * time.Second

// projectResult is what syncing one project did.
type projectResult struct {
	files        atomic.Int64
	bytes        atomic.Int64
	removedFiles int
	gone         bool
	deps         []string
}

// syncAll syncs todo's projects with Workers in parallel, then, with
// WithDependencies, the dependencies they revealed, wave after wave until
// the closure is complete. It returns the projects that failed.
func (m *Mirror) syncAll(ctx context.Context, todo *todoList, st *Stats, what string) map[string]change {
	prog := newProgress(m.cfg.Progress, m.cfg.ProgressBars, m.log, m.cfg.ProgressInterval, what, m.cfg.Index.DownloadingBytes)
	defer prog.close()
	dl := m.startDownloads()
	defer dl.stop()
	var mu sync.Mutex
	pending := maps.Clone(todo.Projects)
	failed := map[string]change{}
	stopCheckpoints := m.checkpoints(ctx, todo.Serial, &mu, pending)
	defer stopCheckpoints()

	seen := map[string]bool{}
	for name := range todo.Projects {
		seen[name] = true
	}
	// With StopOnError the first failure ends the pass: stop cancels the
	// projects in flight, and every project not synced goes back to todo.
	pass, stop := context.WithCancel(ctx)
	defer stop()
	stopped := false
	for wave := todo.Projects; len(wave) > 0 && pass.Err() == nil; {
		prog.addProjects(len(wave))
		var deps []string
		m.eachProject(pass, wave, func(name string, c change) {
			r, err := m.syncProject(pass, dl, name, c, prog)
			prog.projectDone()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if pass.Err() == nil {
					failures.WithLabelValues("project").Inc()
					m.log.Warn("project sync failed; retried next pass", "project", name, "err", err)
				}
				failed[name] = c
				st.Failed = append(st.Failed, name)
				if m.cfg.StopOnError && !stopped {
					stopped = true
					m.log.Error("stopping the pass at its first failure (stop-on-error)", "project", name)
					stop()
				}
				return
			}
			delete(pending, name)
			st.Projects++
			st.Files += int(r.files.Load())
			st.Bytes += r.bytes.Load()
			st.FilesRemoved += r.removedFiles
			if r.gone {
				st.Removed++
			}
			deps = append(deps, r.deps...)
		})
		next := map[string]change{}
		mu.Lock()
		for _, d := range deps {
			if !seen[d] {
				seen[d] = true
				m.cfg.Filters.AddProject(d)
				next[d] = change{Serial: -1}
				pending[d] = next[d]
			}
		}
		mu.Unlock()
		if len(next) > 0 {
			m.log.Info("syncing dependencies", "projects", len(next))
		}
		wave = next
	}
	if stopped || ctx.Err() != nil {
		return maps.Clone(pending) // the failed ones, and those never started
	}
	return failed
}

// eachProject runs fn on every project of wave, in name order, on Workers
// long-lived goroutines (their stacks, grown by the first projects, serve
// the rest: a goroutine per project paid for that growth every time). It
// stops handing out projects once ctx is done.
func (m *Mirror) eachProject(ctx context.Context, wave map[string]change, fn func(string, change)) {
	names := make(chan string)
	var wg sync.WaitGroup
	for range min(m.cfg.Workers, len(wave)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				fn(name, wave[name])
			}
		}()
	}
	for _, name := range slices.Sorted(maps.Keys(wave)) {
		if ctx.Err() != nil {
			break
		}
		names <- name
	}
	close(names)
	wg.Wait()
}

// checkpoints rewrites todo with the pending projects every
// checkpointEvery while a pass with a target serial runs.
func (m *Mirror) checkpoints(ctx context.Context, serial int64, mu *sync.Mutex, pending map[string]change) (stop func()) {
	if serial < 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				mu.Lock()
				snap := &todoList{Serial: serial, Projects: maps.Clone(pending)}
				mu.Unlock()
				if err := writeTodo(ctx, m.store(), snap); err != nil && ctx.Err() == nil {
					m.log.Warn("cannot checkpoint todo", "err", err)
				}
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// syncProject brings one project to c: removed, dropped by the filters,
// or refreshed with every file on disk.
func (m *Mirror) syncProject(ctx context.Context, dl *downloads, name string, c change, prog progress) (*projectResult, error) {
	r := &projectResult{}
	if c.Removed || !m.cfg.Filters.Project(name) {
		// A removed project goes whoever cached it; a filtered-out one only
		// if the mirror holds it (serve --prefetch leaves lazily cached
		// projects alone).
		if c.Removed || m.isKnown(name) {
			if m.isKnown(name) && !m.deletes.take() {
				return nil, errRemovalRefused
			}
			if err := m.cfg.Index.RemoveProject(ctx, name); err != nil {
				return nil, err
			}
			r.gone = true
		}
		m.forget(name)
		projectsSynced.Inc()
		return r, nil
	}
	plan, err := m.cfg.Index.Prepare(ctx, name, c.Serial)
	if err != nil {
		return nil, err
	}
	r.removedFiles = len(plan.Removed)
	if plan.Gone {
		if m.isKnown(name) && !m.deletes.take() {
			return nil, errRemovalRefused
		}
		if err := m.cfg.Index.Commit(ctx, plan); err != nil {
			return nil, err
		}
		m.forget(name)
		r.gone = true
		projectsSynced.Inc()
		return r, nil
	}
	if err := dl.fetchFiles(ctx, plan, r, prog); err != nil {
		return nil, err
	}
	if err := m.cfg.Index.Commit(ctx, plan); err != nil {
		return nil, err
	}
	if m.cfg.JSON {
		if err := m.cfg.Index.SyncJSONAPI(ctx, name); err != nil {
			return nil, fmt.Errorf("%s: JSON API document: %w", name, err)
		}
	}
	if m.cfg.WithDependencies {
		r.deps = m.dependencies(ctx, plan.Files)
	}
	m.remember(name, plan.Serial)
	projectsSynced.Inc()
	return r, nil
}

// dependencies reads the project's wheels' core metadata (fetched just
// before) for the projects they require.
func (m *Mirror) dependencies(ctx context.Context, files []index.FileOrigin) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if !f.Metadata || !strings.HasSuffix(f.Key, ".whl") {
			continue
		}
		data, err := cache.ReadObject(ctx, m.store(), f.Key+".metadata")
		if err != nil {
			continue
		}
		for _, d := range filter.RequiresDist(data) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

func (m *Mirror) isKnown(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.known[name]
	return ok
}

func (m *Mirror) remember(name string, serial int64) {
	m.mu.Lock()
	m.known[name] = serial
	m.mu.Unlock()
}

func (m *Mirror) forget(name string) {
	m.mu.Lock()
	delete(m.known, name)
	m.mu.Unlock()
}
