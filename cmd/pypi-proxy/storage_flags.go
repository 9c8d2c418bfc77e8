package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

// storageFlags say where the tree lives: in --cache-dir (the default), or
// in an S3 bucket that several replicas may share. With S3, --cache-dir
// keeps only what is local to one process: the upstream HTTP cache and the
// spool of downloads in flight.
type storageFlags struct {
	storage  string
	endpoint string
	redirect bool // serve only: answer file hits with presigned URLs
	leaseTTL time.Duration
	copies   sizeValue // serve only: the local copies' size bound, 0 for none
	s3       *cache.S3 // opened once, by the first command step needing it
	// copiesBudget bounds the local copies (nil without them); closed with
	// the machinery.
	copiesBudget *cache.Budget
	copiesStore  cache.Store
	copiesTenure *cache.Tenure // this process as the local copies' writer
}

// register adds --storage, --s3-endpoint and --s3-lease-ttl, and with
// serve --s3-redirect.
func (f *storageFlags) register(fs *pflag.FlagSet, serve bool) {
	fs.StringVar(&f.storage, "storage", "", "keep the tree in an S3 bucket, `s3://BUCKET/PREFIX` (region and credentials from the AWS environment and files), instead of --cache-dir, which then holds only this process's spool and HTTP cache")
	fs.StringVar(&f.endpoint, "s3-endpoint", "", "S3 service URL for --storage (MinIO and other S3-compatible stores, e.g. http://127.0.0.1:9000); default AWS")
	fs.DurationVar(&f.leaseTTL, "s3-lease-ttl", 30*time.Second, "with --storage s3: a replica that died holding a file download or the prefetcher is taken over this long after its last lease renewal")
	if serve {
		fs.BoolVar(&f.redirect, "s3-redirect", false, "with --storage s3: answer file hits with a 302 to a short-lived presigned URL of the bucket instead of streaming them through this process")
		fs.Var(&f.copies, "s3-local-copies", "with --storage s3: keep copies of the package files read from the bucket in --cache-dir, up to this size (LRU; e.g. 20GiB), and serve hits from them with sendfile after asking the bucket that the file is still there; 0: off")
	}
}

// redirectTTL is how long a presigned URL of --s3-redirect is valid:
// clients follow it at once, so a short life leaks little.
const redirectTTL = 10 * time.Minute

// isS3 reports whether the tree is in S3.
func (f *storageFlags) isS3() bool { return f.storage != "" }

// validate checks the flags' combination before anything is opened.
func (f *storageFlags) validate() error {
	if f.storage != "" && !strings.HasPrefix(f.storage, "s3://") {
		return usageErr("--storage %q: want s3://BUCKET/PREFIX (leave it empty for --cache-dir)", f.storage)
	}
	if !f.isS3() && (f.endpoint != "" || f.redirect || f.copies != 0) {
		return usageErr("--s3-endpoint, --s3-redirect and --s3-local-copies need --storage s3://BUCKET/PREFIX")
	}
	if f.copies < 0 {
		return usageErr("--s3-local-copies must be >= 0")
	}
	if f.leaseTTL < 3*time.Second {
		return usageErr("--s3-lease-ttl must be at least 3s")
	}
	return nil
}

// openS3 connects to the bucket (once), creating it when missing and the
// credentials allow; a wrong endpoint, rejected credentials or a missing
// bucket that cannot be created stop here, named.
func (f *storageFlags) openS3(ctx context.Context, log *slog.Logger) (*cache.S3, error) {
	if f.s3 != nil {
		return f.s3, nil
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	bucket, prefix, err := cache.ParseS3URL(f.storage)
	if err != nil {
		return nil, usageErr("--storage: %v", err)
	}
	cfg := cache.S3Config{Bucket: bucket, Prefix: prefix, Endpoint: f.endpoint, CreateBucket: true, Logger: log}
	if f.copiesBudget != nil {
		cfg.LocalCopies = f.copiesStore
	}
	s, err := cache.OpenS3(ctx, cfg)
	if err != nil {
		return nil, usageErr("--storage %s: %v", f.storage, err)
	}
	f.s3 = s
	return s, nil
}

// mirrorLock takes the mirror's lock of the tree (mirror, verify --repair):
// flock on the directory, or the bucket's "mirror" lease.
func (f *storageFlags) mirrorLock(ctx context.Context, cacheDir string, log *slog.Logger) (*prefetch.Lock, error) {
	if !f.isS3() {
		return prefetch.AcquireLock(cacheDir)
	}
	s, err := f.openS3(ctx, log)
	if err != nil {
		return nil, err
	}
	return prefetch.LockStore(ctx, s)
}

// lease is the lease of a shared download (0: the default).
func (f *storageFlags) lease() time.Duration {
	if f == nil {
		return 0
	}
	return f.leaseTTL
}

// openLocalCopies makes the budgeted directory of --s3-local-copies, which
// openS3 then hands to the store. The budget loads in the background.
func (f *storageFlags) openLocalCopies(cacheDir string, log *slog.Logger) error {
	if f.copies == 0 || f.copiesBudget != nil {
		return nil
	}
	dir, err := cache.NewFS(cache.LocalCopiesDir(cacheDir))
	if err != nil {
		return err
	}
	// Registered, like the tree, so that a clean stop's inventory spares
	// the next start the walk of the copies.
	tenure, err := dir.RegisterWriter()
	if err != nil {
		return err
	}
	b, err := cache.NewBudget(dir, cache.BudgetOptions{MaxBytes: int64(f.copies), LoadInBackground: true, Tenure: tenure, Logger: log})
	if err != nil {
		tenure.Release()
		return err
	}
	f.copiesBudget, f.copiesStore, f.copiesTenure = b, cache.WithBudget(dir, b), tenure
	return nil
}

// close flushes the local copies' budget.
func (f *storageFlags) close() {
	if f != nil && f.copiesBudget != nil {
		f.copiesBudget.Close()
		f.copiesTenure.Release()
	}
}

// openTree returns the store of the tree: the local one, or the bucket.
// The size budget keeps its state in one process's memory: with a bucket
// several replicas share, it is refused rather than half-working.
func openTree(cfg machineryConfig, local *cache.FS, log *slog.Logger) (cache.Store, error) {
	if cfg.storage == nil || !cfg.storage.isS3() {
		return local, nil
	}
	if cfg.trackCache {
		return nil, usageErr("--max-cache-size does not work with --storage s3 (the replicas would each evict on their own count): bound the bucket with a lifecycle rule instead (--s3-local-copies bounds each replica's local copies)")
	}
	if err := cfg.storage.openLocalCopies(cfg.cacheDir, log); err != nil {
		return nil, err
	}
	return cfg.storage.openS3(context.Background(), log)
}

// redirectFor is proxy.Config.RedirectFiles: the presigned URLs' life
// with --s3-redirect, else 0.
func (f *storageFlags) redirectFor() time.Duration {
	if f.redirect {
		return redirectTTL
	}
	return 0
}

// describe names the tree's storage for the start-up line.
func (f *storageFlags) describe(cacheDir string) string {
	if f.isS3() {
		return f.storage
	}
	return "filesystem " + cacheDir
}
