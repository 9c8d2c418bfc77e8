package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/prefetch/filter"
)

// mirrorConfig is everything `pypi-proxy mirror` is told.
type mirrorConfig struct {
	up               upstreamFlags
	cacheDir         string
	workers          int
	jsonAPI          bool
	indexOnly        bool
	stopOnError      bool
	allowMassDelete  bool
	projects         []string
	bandersnatchConf string
	config           string
	progress         string
	logFormat        string
	logLevel         string
	debugListen      string
	filters          filterFlags
	storage          storageFlags
}

func mirrorFlags(cfg *mirrorConfig) *pflag.FlagSet {
	fs := pflag.NewFlagSet("mirror", pflag.ContinueOnError)
	fs.SortFlags = false
	cfg.up.register(fs)
	fs.StringVar(&cfg.cacheDir, "cache-dir", defaultCacheDir(), "mirror directory (the same tree serve uses)")
	cfg.storage.register(fs, false)
	fs.IntVar(&cfg.workers, "workers", 8, fmt.Sprintf("parallel project syncs and, separately, file downloads (at most %d)", prefetch.MaxWorkers))
	fs.BoolVar(&cfg.jsonAPI, "json-api", false, "also mirror each project's PyPI JSON API document (web/pypi/<name>/json, web/json/<name>)")
	fs.BoolVar(&cfg.indexOnly, "index-only", false, "mirror the pages and PEP 658 metadata, not the distributions: serve fetches each one when first asked for (bandersnatch's release-files = false)")
	fs.BoolVar(&cfg.stopOnError, "stop-on-error", false, "end the pass at the first project that fails (the rest stay in todo for the next run)")
	fs.BoolVar(&cfg.allowMassDelete, "allow-mass-delete", false, fmt.Sprintf("let a pass remove more than %d%% of the mirrored projects (or all of them); without it such a pass stops before removing any", prefetch.MassDeletePercent))
	fs.StringArrayVar(&cfg.projects, "project", nil, "sync just this project now (repeatable); status is left alone")
	fs.StringVar(&cfg.bandersnatchConf, "bandersnatch-config", "", "read [mirror] master, directory, workers and the filter plugins from a bandersnatch.conf (flags win)")
	fs.StringVar(&cfg.config, "config", "", "`FILE` of name = value lines, as for serve; flags and environment win over it")
	cfg.filters.register(fs)
	fs.StringVar(&cfg.progress, "progress", "auto", "progress display: auto (bars on a terminal, else log lines), bars, log, none")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.debugListen, "debug-listen", "", "serve Go's /debug/pprof/ profiles on this address while the sync runs (keep it private)")
	return fs
}

func loadMirrorConfig(args []string, stdout, stderr io.Writer) (*mirrorConfig, *pflag.FlagSet, error) {
	var cfg mirrorConfig
	fs := mirrorFlags(&cfg)
	fs.SetOutput(stderr)
	helpToStdout(fs, stdout)
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if cfg.bandersnatchConf != "" {
		if err := applyBandersnatchConf(&cfg, fs); err != nil {
			return nil, nil, err
		}
	}
	if err := checkCacheDir(cfg.cacheDir); err != nil {
		return nil, nil, err
	}
	if cfg.workers < 1 || cfg.workers > prefetch.MaxWorkers {
		return nil, nil, usageErr("--workers must be 1..%d", prefetch.MaxWorkers)
	}
	return &cfg, fs, nil
}

// applyBandersnatchConf fills what the flags did not set from a
// bandersnatch.conf; its filter lists are added to the flags' ones.
func applyBandersnatchConf(cfg *mirrorConfig, fs *pflag.FlagSet) error {
	fc, ms, err := filter.LoadBandersnatchConf(cfg.bandersnatchConf)
	if err != nil {
		return usageErr("--bandersnatch-config: %v", err)
	}
	set := func(name string) bool { return fs.Changed(name) || os.Getenv(envName(name)) != "" }
	if ms.Master != "" && !set("upstream") {
		cfg.up.upstream = strings.TrimSuffix(ms.Master, "/") + "/simple/"
	}
	if ms.Directory != "" && !set("cache-dir") {
		cfg.cacheDir = ms.Directory
	}
	if ms.JSON && !set("json-api") {
		cfg.jsonAPI = true
	}
	if !ms.ReleaseFiles && !set("index-only") {
		cfg.indexOnly = true
	}
	if ms.StopOnError && !set("stop-on-error") {
		cfg.stopOnError = true
	}
	if ms.Workers > 0 && !set("workers") {
		cfg.workers = ms.Workers
	}
	if ms.Timeout > 0 && !set("upstream-timeout") {
		cfg.up.timeout = ms.Timeout
	}
	f := &cfg.filters.cfg
	f.Allow = append(fc.Allow, f.Allow...)
	f.Block = append(fc.Block, f.Block...)
	f.RequirementsFiles = append(fc.RequirementsFiles, f.RequirementsFiles...)
	f.RequirementsNamesOnly = f.RequirementsNamesOnly || fc.RequirementsNamesOnly
	f.WithDependencies = f.WithDependencies || fc.WithDependencies
	f.ExcludePrereleases = f.ExcludePrereleases || fc.ExcludePrereleases
	f.PrereleaseProjects = append(fc.PrereleaseProjects, f.PrereleaseProjects...)
	f.Platforms = append(fc.Platforms, f.Platforms...)
	f.ExcludePlatforms = append(fc.ExcludePlatforms, f.ExcludePlatforms...)
	f.PythonTags = append(fc.PythonTags, f.PythonTags...)
	f.NameRegex = append(fc.NameRegex, f.NameRegex...)
	f.BlockNameRegex = append(fc.BlockNameRegex, f.BlockNameRegex...)
	f.ReleaseRegex = append(fc.ReleaseRegex, f.ReleaseRegex...)
	if f.KeepLatest == 0 {
		f.KeepLatest = fc.KeepLatest
	}
	if f.MaxFileSize == 0 {
		f.MaxFileSize = fc.MaxFileSize
	}
	if f.MaxProjectSize == 0 {
		f.MaxProjectSize = fc.MaxProjectSize
	}
	if f.Cooldown == 0 {
		f.Cooldown = fc.Cooldown
	}
	for _, ig := range ms.Ignored {
		fmt.Fprintf(fs.Output(), "pypi-proxy: bandersnatch.conf: ignoring %s\n", ig)
	}
	return nil
}

func runMirror(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := loadMirrorConfig(args, stdout, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	set, err := cfg.filters.build()
	if err != nil {
		return err
	}
	if err := cfg.storage.validate(); err != nil {
		return err
	}
	lock, err := cfg.storage.mirrorLock(ctx, cfg.cacheDir, log)
	if err != nil {
		return err
	}
	defer lock.Release()
	if cfg.debugListen != "" {
		stopDebug, err := serveSide(cfg.debugListen, "--debug-listen", debugMux(), log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	cfg.up.correctKnownSiteRoot(log)
	bc := cfg.up.machinery(cfg.cacheDir)
	bc.storage = &cfg.storage
	bc.filter = set
	b, err := openMachinery(bc, log)
	if err != nil {
		return err
	}
	defer b.Close()
	// A wrong upstream makes every project look deleted: refuse it before
	// the pass touches the tree.
	if err := checkUpstreamRoot(ctx, b.up); err != nil {
		return err
	}
	bars, interval, err := progressMode(cfg.progress, stderr)
	if err != nil {
		return err
	}
	m, err := prefetch.New(prefetch.Config{
		Index: b.index, Workers: cfg.workers,
		Filters: set, WithDependencies: cfg.filters.cfg.WithDependencies, JSON: cfg.jsonAPI,
		IndexOnly: cfg.indexOnly, StopOnError: cfg.stopOnError, AllowMassDelete: cfg.allowMassDelete,
		Progress: stderr, ProgressBars: bars, ProgressInterval: interval, Logger: log,
	})
	if err != nil {
		return err
	}
	log.Info("pypi-proxy mirror", "upstream", redact(cfg.up.upstream), "cache_dir", cfg.cacheDir,
		"storage", cfg.storage.storage, "workers", cfg.workers, "filters", set.Active(), "version", version)
	var st prefetch.Stats
	if len(cfg.projects) > 0 {
		st, err = m.SyncProjects(ctx, cfg.projects)
	} else {
		st, err = m.Sync(ctx)
	}
	if ctx.Err() != nil && err != nil {
		// Ctrl-C or SIGTERM: the projects left are in todo.
		return interrupted(st.Left)
	}
	logMirrorSummary(log, st, err)
	return err
}

// progressMode turns --progress into bars or a log interval.
func progressMode(mode string, stderr io.Writer) (bars bool, interval time.Duration, err error) {
	switch mode {
	case "auto":
		f, ok := stderr.(*os.File)
		if ok && prefetch.IsTerminal(f) {
			return true, 0, nil
		}
		return false, 10 * time.Second, nil
	case "bars":
		// Bars need a terminal to redraw on: on a pipe or a file they
		// would print nothing useful, so log lines it is.
		if f, ok := stderr.(*os.File); ok && prefetch.IsTerminal(f) {
			return true, 0, nil
		}
		return false, 10 * time.Second, nil
	case "log":
		return false, 10 * time.Second, nil
	case "none":
		return false, -1, nil
	}
	return false, 0, usageErr("--progress %q: want auto, bars, log or none", mode)
}
