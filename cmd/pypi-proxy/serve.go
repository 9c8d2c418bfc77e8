package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy"
)

// serveConfig is everything `pypi-proxy serve` is told.
type serveConfig struct {
	listen          string
	up              upstreamFlags
	cacheDir        string
	indexTTL        time.Duration
	revalidateAfter time.Duration
	offline         bool
	maxCacheSize    sizeValue
	memory          sizeValue
	shutdownTimeout time.Duration
	logFormat       string
	logLevel        string
	config          string
	metricsListen   string
	debugListen     string
	idleTimeout     time.Duration
	prefetch        prefetchConfig
	filters         filterFlags
	storage         storageFlags
	indexes         indexFlags
	auth            authFlags
	policy          policyFlags
	limits          serverLimitFlags
}

func serveFlags(cfg *serveConfig) *pflag.FlagSet {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:3141", "address to listen on")
	cfg.up.register(fs)
	fs.StringVar(&cfg.cacheDir, "cache-dir", defaultCacheDir(), "cache directory (a bandersnatch-layout mirror tree)")
	cfg.storage.register(fs, true)
	fs.DurationVar(&cfg.indexTTL, "index-ttl", 10*time.Minute, "serve index pages younger than this without asking upstream")
	fs.DurationVar(&cfg.revalidateAfter, "revalidate-after", 0, "a client's Cache-Control: max-age=0 (pip sends it) revalidates a page only when it is this old (0: always)")
	fs.BoolVar(&cfg.offline, "offline", false, "serve only what is cached; never contact upstream")
	fs.Var(&cfg.maxCacheSize, "max-cache-size", "keep cached files under this size, evicting the least recently used (e.g. 50GiB; 0: unlimited)")
	cfg.memory = 256 << 20
	fs.Var(&cfg.memory, "memory", "one budget for every in-memory cache: pages, their compressed copies, file origins (e.g. 256MiB)")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may finish on SIGTERM")
	fs.DurationVar(&cfg.idleTimeout, "download-idle-timeout", time.Minute, "abort an upstream file download that receives nothing for this long")
	fs.StringVar(&cfg.metricsListen, "metrics-listen", "", "serve /metrics on this separate address instead of on --listen")
	fs.StringVar(&cfg.debugListen, "debug-listen", "", "serve Go's /debug/pprof/ profiles on this address (keep it private)")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.config, "config", "", "config file of `name = value` lines (see README); flags and environment win over it")
	cfg.limits.register(fs)
	addPrefetchFlags(fs, &cfg.prefetch)
	cfg.filters.register(fs)
	cfg.indexes.register(fs)
	cfg.auth.register(fs)
	cfg.policy.register(fs)
	return fs
}

// loadServeConfig reads flags, environment and config file.
func loadServeConfig(args []string, stdout, stderr io.Writer) (*serveConfig, error) {
	var cfg serveConfig
	fs := serveFlags(&cfg)
	fs.SetOutput(stderr)
	helpToStdout(fs, stdout)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if cfg.memory <= 0 {
		return nil, usageErr("--memory %s: the page cache needs some memory (e.g. 64MiB)", cfg.memory.String())
	}
	cfg.indexes.upstreamGiven = fs.Changed("upstream")
	return &cfg, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadServeConfig(args, stdout, stderr)
	if err != nil {
		return err
	}
	logs := newLogBuffer(stderr, 100*time.Millisecond)
	defer logs.Close()
	log, err := newLogger(logs, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	set, err := cfg.filters.build()
	if err != nil {
		return err
	}
	cfg.up.correctKnownSiteRoot(log)
	if err := cfg.storage.validate(); err != nil {
		return err
	}
	bc := cfg.up.machinery(cfg.cacheDir)
	bc.storage = &cfg.storage
	bc.indexTTL, bc.offline, bc.memory, bc.idleTimeout = cfg.indexTTL, cfg.offline, int64(cfg.memory), cfg.idleTimeout
	bc.revalidateAfter = cfg.revalidateAfter
	bc.filter, bc.maxCacheSize = set, int64(cfg.maxCacheSize)
	// The budget keeps every file in memory (loaded from its inventory,
	// else by walking web/packages/ in the background): only worth it with
	// a limit (a full mirror is millions of files).
	bc.trackCache = cfg.maxCacheSize > 0
	bc.rootFromTree = cfg.prefetch.enabled
	applyMemoryLimit(int64(cfg.memory), log)
	bc.cleanTempLater = true // below, minding the mirror lock
	started := time.Now()
	bc.enforceLists = !cfg.prefetch.enabled
	if bc.indexes, bc.rules, err = cfg.indexes.build(); err != nil {
		return err
	}
	if bc.policy, err = cfg.policy.build(); err != nil {
		return err
	}
	if len(bc.indexes) > 0 && cfg.prefetch.enabled {
		return usageErr("--prefetch follows one index; it cannot be combined with --index")
	}
	b, err := openMachinery(bc, log)
	if err != nil {
		return err
	}
	defer b.Close()
	if !cfg.offline {
		for _, up := range b.clients {
			go warnIfNotSimpleRoot(ctx, up, log)
		}
	}
	var names []string
	for _, ix := range b.router.Indexes() {
		names = append(names, ix.Name())
	}
	auth, err := cfg.auth.build(names, log)
	if err != nil {
		return err
	}
	limits, err := cfg.limits.server()
	if err != nil {
		return err
	}
	srv, err := proxy.New(proxy.Config{Index: b.index, Metrics: metricsOnMain(cfg), RedirectFiles: cfg.storage.redirectFor(),
		Auth: auth, Logger: log, Status: statusSources(cfg, b), Limits: limits})
	if err != nil {
		return err
	}
	if err := startPrefetch(ctx, cfg.prefetch, cfg, b, set, log); err != nil {
		return err
	}
	// Crash leftovers go once --prefetch holds the lock, or if no mirror
	// holds it: a running mirror's temp files are older than this start.
	// After a clean shutdown of every writer there are none to look for.
	if !b.tenure.Clean {
		go cleanTempLeftovers(b.tree, cfg.cacheDir, started, cfg.prefetch.enabled, log)
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln = proxy.LimitListener(ln, cfg.limits.conns())
	if err := prometheus.Register(srv.Collector()); err != nil {
		return err
	}
	if b.budget != nil {
		if err := prometheus.Register(b.budget.Collector()); err != nil {
			return err
		}
	}
	if cfg.metricsListen != "" {
		stopMetrics, err := serveSide(cfg.metricsListen, "--metrics-listen", metricsMux(), log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if cfg.debugListen != "" {
		stopDebug, err := serveSide(cfg.debugListen, "--debug-listen", debugMux(), log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	log.Info("pypi-proxy serving", "listen", ln.Addr().String(), "upstream", redact(cfg.up.upstream),
		"storage", cfg.storage.describe(cfg.cacheDir), "offline", cfg.offline, "version", version,
		"pip", pipCommand(ln.Addr()), "status_page", "http://"+clientHost(ln.Addr())+"/")
	return serveUntilDone(ctx, srv, ln, cfg.shutdownTimeout, log)
}

// openStore opens the cache directory and checks it is writable.
func openStore(dir string) (*cache.FS, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, usageErr("--cache-dir: %v", err)
	}
	probe, err := os.CreateTemp(dir, ".probe-")
	if err != nil {
		return nil, usageErr("--cache-dir %s is not writable: %v", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return cache.NewFS(dir)
}

// serveUntilDone serves until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, srv *proxy.Server, ln net.Listener, grace time.Duration, log *slog.Logger) error {
	e := srv.Echo()
	e.Listener = ln
	errc := make(chan error, 1)
	go func() { errc <- e.Start("") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := e.Shutdown(sctx); err != nil {
		log.Warn("requests still running after the grace period; closing them", "err", err)
		_ = e.Close()
	}
	// Shared downloads whose clients are gone finish (and publish) or are
	// abandoned, leaving nothing partial: temp files are removed on failure.
	if err := srv.WaitDownloads(sctx); err != nil {
		log.Warn("downloads still running at shutdown; abandoned", "err", err)
	}
	log.Info("stopped")
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErr("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		opts.ReplaceAttr = durationsAsStrings
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr("--log-format %q: want text or json", format)
}
