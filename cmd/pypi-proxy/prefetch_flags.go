package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/prefetch/filter"
)

// prefetchConfig is serve's eager-mirroring part.
type prefetchConfig struct {
	enabled   bool
	interval  time.Duration
	workers   int
	jsonAPI   bool
	indexOnly bool
	massDel   bool
}

// addPrefetchFlags registers serve's --prefetch, --prefetch-interval and
// --workers.
func addPrefetchFlags(fs *pflag.FlagSet, cfg *prefetchConfig) {
	fs.BoolVar(&cfg.enabled, "prefetch", false, "also mirror upstream eagerly in the background, following its changelog (takes the mirror lock)")
	fs.DurationVar(&cfg.interval, "prefetch-interval", 5*time.Minute, "time between two prefetch passes")
	fs.BoolVar(&cfg.jsonAPI, "json-api", false, "prefetch: also mirror each project's PyPI JSON API document")
	fs.IntVar(&cfg.workers, "workers", 8, fmt.Sprintf("prefetch: parallel project syncs and file downloads (at most %d)", prefetch.MaxWorkers))
	fs.BoolVar(&cfg.massDel, "allow-mass-delete", false, fmt.Sprintf("prefetch: let a pass remove more than %d%% of the mirrored projects", prefetch.MassDeletePercent))
	fs.BoolVar(&cfg.indexOnly, "index-only", false, "prefetch: keep the pages and PEP 658 metadata current, fetch distributions only when asked for")
}

// startPrefetch, with --prefetch, takes the mirror lock and runs the
// mirror every --prefetch-interval in the background until ctx ends; on
// S3 the replicas sharing the bucket elect one leader (runPrefetchLeader). It
// drives the index service serve answers from, so pages and files it fetches are hits for the proxy.
func startPrefetch(ctx context.Context, pc prefetchConfig, cfg *serveConfig, b *machinery, set *filter.Set, log *slog.Logger) error {
	if !pc.enabled {
		return nil
	}
	if cfg.offline {
		return usageErr("--prefetch and --offline exclude each other")
	}
	if pc.workers < 1 || pc.workers > prefetch.MaxWorkers {
		return usageErr("--workers must be 1..%d", prefetch.MaxWorkers)
	}
	if pc.interval <= 0 {
		return usageErr("--prefetch-interval must be > 0")
	}
	// The background mirror deletes what upstream does not list: never
	// run it against a URL that lists nothing.
	if err := checkUpstreamRoot(ctx, b.up); err != nil {
		return fmt.Errorf("--prefetch: %w", err)
	}
	var lock *prefetch.Lock
	if !cfg.storage.isS3() {
		l, err := prefetch.AcquireLock(cfg.cacheDir)
		if err != nil {
			return err
		}
		lock = l
	}
	m, err := prefetch.New(prefetch.Config{
		Index: b.index, Workers: pc.workers,
		Filters: set, WithDependencies: set != nil && cfg.filters.cfg.WithDependencies, JSON: pc.jsonAPI, IndexOnly: pc.indexOnly, AllowMassDelete: pc.massDel,
		Logger: log.With("component", "prefetch"), ProgressInterval: time.Minute,
	})
	if err != nil {
		lock.Release()
		return err
	}
	log.Info("prefetch enabled", "interval", pc.interval, "workers", pc.workers, "filters", set.Active())
	if cfg.storage.isS3() { // replicas of one bucket: one leads at a time
		go runPrefetchLeader(ctx, cfg.storage.s3, cfg.storage.leaseTTL, m, pc.interval, log)
		return nil
	}
	go func() {
		defer lock.Release()
		m.Run(ctx, pc.interval)
	}()
	return nil
}
