package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

// verifyConfig is everything `pypi-proxy verify` is told.
type verifyConfig struct {
	cacheDir      string
	up            upstreamFlags
	repair        bool
	deleteUnowned bool
	presentOnly   bool
	workers       int
	logFormat     string
	logLevel      string
	config        string
	storage       storageFlags
}

func verifyFlags(cfg *verifyConfig) *pflag.FlagSet {
	fs := pflag.NewFlagSet("verify", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&cfg.cacheDir, "cache-dir", defaultCacheDir(), "mirror or cache directory to check")
	cfg.storage.register(fs, false)
	fs.BoolVar(&cfg.repair, "repair", false, "delete corrupt files and re-fetch them and missing ones from upstream")
	fs.BoolVar(&cfg.deleteUnowned, "delete-unowned", false, "also walk web/packages/ and delete files that no page references")
	fs.BoolVar(&cfg.presentOnly, "present-only", false, "check only the files on disk; the rest are absent, not missing (a lazy cache, an --index-only mirror)")
	fs.IntVar(&cfg.workers, "workers", 8, "files hashed in parallel")
	cfg.up.register(fs)
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&cfg.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.config, "config", "", "`FILE` of name = value lines, as for serve; flags and environment win over it")
	return fs
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg verifyConfig
	fs := verifyFlags(&cfg)
	fs.SetOutput(stderr)
	helpToStdout(fs, stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkCacheDir(cfg.cacheDir); err != nil {
		return err
	}
	if cfg.workers < 1 || cfg.workers > 256 {
		return usageErr("--workers must be 1..256")
	}
	log, err := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	if err := cfg.storage.validate(); err != nil {
		return err
	}
	if cfg.repair || cfg.deleteUnowned {
		lock, err := cfg.storage.mirrorLock(ctx, cfg.cacheDir, log)
		if err != nil {
			return err
		}
		defer lock.Release()
	}
	cfg.up.correctKnownSiteRoot(log)
	bc := cfg.up.machinery(cfg.cacheDir)
	bc.storage = &cfg.storage
	bc.readOnly = !cfg.repair && !cfg.deleteUnowned
	bc.cleanTempLater = true // never: verify must go at disk speed
	b, err := openMachinery(bc, log)
	if err != nil {
		return err
	}
	defer b.Close()
	start := time.Now()
	rep, err := prefetch.Verify(ctx, prefetch.VerifyConfig{
		Store: b.store, Origins: b.index, Fetcher: b.index, Workers: cfg.workers,
		Repair: cfg.repair, DeleteUnowned: cfg.deleteUnowned, PresentOnly: cfg.presentOnly, Logger: log,
	})
	if rep != nil {
		printVerifyReport(stdout, rep, time.Since(start))
	}
	if err != nil {
		return err
	}
	if n := rep.Unfixed(cfg.deleteUnowned); n > 0 {
		return fmt.Errorf("verify: %d problems not fixed", n)
	}
	return nil
}

func printVerifyReport(w io.Writer, r *prefetch.VerifyReport, took time.Duration) {
	rate := float64(r.Bytes) / took.Seconds() / (1 << 20)
	fmt.Fprintf(w, "verify: %d files of %d projects, %.1f MiB in %s (%.0f MiB/s)\n",
		r.Files, r.Projects, float64(r.Bytes)/(1<<20), took.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "  ok %d, missing %d, corrupt %d, repaired %d, repair failed %d, unowned %d, deleted %d\n",
		r.OK, r.Missing, r.Corrupt, r.Repaired, r.RepairFailed, r.Unowned, r.Deleted)
	if r.Absent > 0 {
		fmt.Fprintf(w, "  absent (not fetched yet, --present-only) %d\n", r.Absent)
	}
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  "+p)
	}
}
