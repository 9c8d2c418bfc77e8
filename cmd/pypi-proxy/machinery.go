package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch/filter"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// machineryConfig is what every command needs of the machinery: the tree,
// the upstream router and the index service over them.
type machineryConfig struct {
	upstream        string
	cacheDir        string
	storage         *storageFlags // where the tree is; nil: cacheDir
	timeout         time.Duration
	retries         int
	username        string
	password        string
	token           string
	caFile          string
	maxUpstream     int
	indexTTL        time.Duration
	revalidateAfter time.Duration
	offline         bool
	memory          int64
	idleTimeout     time.Duration
	filter          *filter.Set
	// trustedFileHosts and allowUnverified are the upstream trust policy.
	trustedFileHosts []string
	allowUnverified  bool
	// indexes and rules: several upstream indexes (serve --index);
	// none means the one --upstream.
	indexes []indexSpec
	rules   []upstream.Rule
	policy  index.Policy // serve
	// enforceLists refuses (403) the projects the filters exclude (lazy
	// serve; the mirror decides what it copies, not what is served).
	enforceLists bool
	// maxPages and maxPageBytes bound the upstream index requests.
	maxPages     int
	maxPageBytes int64
	trackCache   bool  // keep a size budget (serve)
	maxCacheSize int64 // with trackCache
	// rootFromTree: the mirror owns /simple/ (serve --prefetch).
	rootFromTree bool
	// cleanTempLater skips removing crash leftovers at open (serve does
	// it itself, minding the mirror lock; verify must go at disk speed).
	cleanTempLater bool
	// readOnly: adds and deletes no files (verify without --repair or
	// --delete-unowned), so it does not register as a writer of the tree.
	readOnly bool
}

// machinery is the machinery one command runs: serve puts the HTTP server
// in front of it, mirror and verify drive the index service directly.
type machinery struct {
	store   cache.Store // the tree, observed (metrics), under the budget's decorator when there is one
	tree    *cache.FS   // the tree itself
	router  upstream.Router
	clients []*upstream.Client // one per index, in order
	up      *upstream.Client   // the first index: the mirror's
	index   *index.Service
	budget  *cache.Budget // nil unless trackCache
	storage *storageFlags // nil for the filesystem
	// tenure is the registration as a writer of the tree (a zero Tenure
	// for a reader): released last, by Close, on a clean shutdown only.
	tenure *cache.Tenure
}

// Close aborts downloads in flight, flushes the budget (writing its
// inventory) and ends the registration as a writer.
func (b *machinery) Close() {
	b.index.Close()
	if b.budget != nil {
		b.budget.Close()
	}
	b.storage.close()
	b.tenure.Release()
}

func openMachinery(cfg machineryConfig, log *slog.Logger) (*machinery, error) {
	if err := checkCacheDir(cfg.cacheDir); err != nil {
		return nil, err
	}
	if err := checkCredentials(cfg.upstream, cfg.username, cfg.password); err != nil {
		return nil, err
	}
	if _, err := upstream.ParseIndexURL(cfg.upstream); err != nil {
		return nil, usageErr("--upstream: %v", err)
	}
	if cfg.retries < 0 {
		return nil, usageErr("--upstream-retries must be >= 0")
	}
	fsStore, err := openStore(cfg.cacheDir)
	if err != nil {
		return nil, err
	}
	tenure := &cache.Tenure{}
	if !cfg.readOnly {
		if tenure, err = fsStore.RegisterWriter(); err != nil {
			return nil, err
		}
	}
	b, err := openMachineryOn(cfg, fsStore, tenure, log)
	if err != nil {
		tenure.Release()
		return nil, err
	}
	// The mirror holds its lock by now: leftovers older than this start
	// are a crash's, removed in the background (a full mirror is millions
	// of files: startup must not wait for that walk). After a clean
	// shutdown of every writer there are none to look for.
	if !cfg.cleanTempLater && !tenure.Clean {
		go cleanTempLeftovers(fsStore, cfg.cacheDir, time.Now(), true, log)
	}
	return b, nil
}

func openMachineryOn(cfg machineryConfig, fsStore *cache.FS, tenure *cache.Tenure, log *slog.Logger) (*machinery, error) {
	tree, err := openTree(cfg, fsStore, log)
	if err != nil {
		return nil, err
	}
	spool := cache.SpoolDir(cfg.cacheDir)
	if err := os.MkdirAll(spool, 0o755); err != nil {
		return nil, err
	}
	var svc *index.Service // the router's audit goes to the service built below
	router, clients, err := openRouter(cfg, fsStore, func(project, ix, rule string) { svc.Audit(project, "", ix, rule) }, log)
	if err != nil {
		return nil, err
	}
	b := &machinery{store: cache.WithMetrics(tree), tree: fsStore, router: router, clients: clients, up: clients[0], storage: cfg.storage, tenure: tenure}
	if cfg.trackCache {
		b.budget, err = cache.NewBudget(fsStore, cache.BudgetOptions{MaxBytes: cfg.maxCacheSize, LoadInBackground: true,
			Tenure: tenure, Logger: log})
		if err != nil {
			return nil, err
		}
		b.store = cache.WithMetrics(cache.WithBudget(fsStore, b.budget))
		bytes, files, _ := b.budget.Stats()
		log.Info("cache opened", "files", files, "bytes", bytes, "max_bytes", cfg.maxCacheSize)
	}
	var pageFilter index.Filter
	var allowed func(string) bool
	if cfg.filter != nil && cfg.filter.Active() && cfg.enforceLists {
		allowed = cfg.filter.Project
	}
	if cfg.filter != nil && cfg.filter.Active() {
		pageFilter = auditedFilter(cfg.filter.Page, func(project, file string) { svc.Audit(project, file, "", index.RuleFilter) })
	}
	b.index, err = index.New(index.Config{
		Upstream: router, Store: b.store, IndexTTL: cfg.indexTTL, IndexTTLs: pageTTLs(cfg.indexes), RevalidateAfter: cfg.revalidateAfter,
		Offline: cfg.offline, MemoryBytes: cfg.memory, SpoolDir: spool, DownloadIdleTimeout: cfg.idleTimeout,
		Filter: pageFilter, RootFromTree: cfg.rootFromTree, DownloadLeaseTTL: cfg.storage.lease(), Policy: cfg.policy,
		Allowed: allowed, AllowUnverified: cfg.allowUnverified, Logger: log,
	})
	if err != nil {
		if b.budget != nil {
			b.budget.Close()
		}
		return nil, err
	}
	svc = b.index
	return b, nil
}
