package prefetch

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// Origins are the recorded origins of the files pages linked (*index.Service).
type Origins interface {
	// WalkProjectFiles calls fn with each project's records, one project
	// at a time; fn must not keep the slice.
	WalkProjectFiles(ctx context.Context, fn func(project string, files []index.FileOrigin) error) error
}

// Fetcher re-fetches a recorded file (*index.Service).
type Fetcher interface {
	FetchFile(ctx context.Context, key string) (int64, error)
}

// VerifyConfig configures Verify. Zero values are the documented defaults.
type VerifyConfig struct {
	// Store is the tree. Required.
	Store cache.Store
	// Origins give each file's sha256 as its page said. Required.
	Origins Origins
	// Fetcher re-fetches bad and missing files; required with Repair.
	Fetcher Fetcher
	// Workers hash files in parallel (default 8). Memory does not grow with
	// the number of files: records are read one project at a time and
	// each worker reuses its hash and buffer.
	Workers int
	// Repair deletes corrupt files and re-fetches them and missing ones.
	Repair bool
	// DeleteUnowned deletes files under web/packages/ that no page
	// references. It keeps a set of the referenced keys (8 bytes each).
	DeleteUnowned bool
	// PresentOnly checks the files on disk and counts the others as absent,
	// not missing: a lazy cache or an index-only mirror holds only the files
	// asked for so far. Repair then fixes corrupt files only.
	PresentOnly bool
	Logger      *slog.Logger
}

// VerifyReport is what Verify found and did.
type VerifyReport struct {
	Projects, Files        int
	Bytes                  int64
	OK, Missing, Corrupt   int
	Absent                 int // not on disk, with PresentOnly
	Repaired, RepairFailed int
	Unowned, Deleted       int
	// Problems lists the first bad keys, for the summary.
	Problems []string
}

// Unfixed counts the problems left after the run.
func (r *VerifyReport) Unfixed(deleteUnowned bool) int {
	n := r.Missing + r.Corrupt - r.Repaired
	if deleteUnowned {
		n += r.Unowned - r.Deleted
	}
	return n
}

const (
	maxProblems = 50
	// jobBatch files go to a worker at a time: one channel hand-off per
	// batch, not per (small) file.
	jobBatch = 64
)

type verifyJob struct {
	key, sha256 string
	size        int64
}

// Verify checks every file the recorded origins reference against its
// sha256, in parallel, and repairs or cleans up as configured.
func Verify(ctx context.Context, cfg VerifyConfig) (*VerifyReport, error) {
	if cfg.Store == nil || cfg.Origins == nil || (cfg.Repair && cfg.Fetcher == nil) {
		return nil, errors.New("prefetch: verify needs Store, Origins (and Fetcher to repair)")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	v := &verifier{cfg: cfg, rep: &VerifyReport{}}
	if cfg.DeleteUnowned {
		v.owned = newKeySet()
	}
	batches := make(chan []verifyJob, 2*cfg.Workers)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(batches)
		return v.produce(gctx, batches)
	})
	for range cfg.Workers {
		g.Go(func() error {
			w := newHashWorker()
			for b := range batches {
				for _, j := range b {
					v.check(gctx, w, j)
				}
			}
			v.add(&w.tally)
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return v.rep, err
	}
	if !cfg.DeleteUnowned {
		return v.rep, nil // finding unowned files means walking the whole tree
	}
	if err := v.unowned(ctx); err != nil {
		return v.rep, err
	}
	return v.rep, nil
}

type verifier struct {
	cfg   VerifyConfig
	mu    sync.Mutex
	rep   *VerifyReport
	owned keySet // with DeleteUnowned; written by produce only, read after it ends
}

// produce walks the projects' records one at a time and queues their
// files in batches.
func (v *verifier) produce(ctx context.Context, batches chan<- []verifyJob) error {
	batch := make([]verifyJob, 0, jobBatch)
	send := func() error {
		select {
		case batches <- batch:
			batch = make([]verifyJob, 0, jobBatch)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := v.cfg.Origins.WalkProjectFiles(ctx, func(_ string, files []index.FileOrigin) error {
		v.rep.Projects++
		for _, f := range files {
			if v.owned.m != nil {
				v.owned.add(f.Key)
				if f.Metadata {
					v.owned.add(f.Key + ".metadata")
				}
			}
			if f.SHA256 != "" {
				batch = append(batch, verifyJob{f.Key, strings.ToLower(f.SHA256), f.Size})
			}
			if f.Metadata && f.MetadataSHA256 != "" {
				batch = append(batch, verifyJob{f.Key + ".metadata", strings.ToLower(f.MetadataSHA256), -1})
			}
			if len(batch) >= jobBatch {
				if err := send(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil || len(batch) == 0 {
		return err
	}
	return send()
}
