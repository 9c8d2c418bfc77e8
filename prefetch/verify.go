package prefetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// Origins are the recorded origins of the files pages linked (*index.Service).
type Origins interface {
	ProjectFiles(ctx context.Context, name string) []index.FileOrigin
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
	// Workers hash files in parallel (default 8).
	Workers int
	// Repair deletes corrupt files and re-fetches them and missing ones.
	Repair bool
	// DeleteUnowned deletes files under web/packages/ that no page references.
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

const maxProblems = 50

var hashBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

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
	v := &verifier{cfg: cfg, rep: &VerifyReport{}, owned: map[string]bool{}}
	jobs := make(chan verifyJob, 4*cfg.Workers)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(jobs)
		return v.produce(gctx, jobs)
	})
	for range cfg.Workers {
		g.Go(func() error {
			for j := range jobs {
				v.check(gctx, j)
			}
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
	owned map[string]bool // written by produce only, read after it ends
}

// produce lists the projects with recorded origins and queues their files.
func (v *verifier) produce(ctx context.Context, jobs chan<- verifyJob) error {
	var names []string
	err := v.cfg.Store.Walk(ctx, cache.OriginsPrefix, func(info cache.Info) error {
		rel := strings.TrimPrefix(info.Key, cache.OriginsPrefix)
		if name, ok := strings.CutSuffix(rel, ".json"); ok && !strings.Contains(name, "/") {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.rep.Projects = len(names)
	for _, name := range names {
		for _, f := range v.cfg.Origins.ProjectFiles(ctx, name) {
			v.owned[f.Key] = true
			if f.Metadata {
				v.owned[f.Key+".metadata"] = true
			}
			var batch []verifyJob
			if f.SHA256 != "" {
				batch = append(batch, verifyJob{f.Key, strings.ToLower(f.SHA256), f.Size})
			}
			if f.Metadata && f.MetadataSHA256 != "" {
				batch = append(batch, verifyJob{f.Key + ".metadata", strings.ToLower(f.MetadataSHA256), -1})
			}
			for _, j := range batch {
				select {
				case jobs <- j:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	}
	return nil
}

// check hashes one file and repairs it if asked.
func (v *verifier) check(ctx context.Context, j verifyJob) {
	n, err := hashFile(ctx, v.cfg.Store, j)
	v.mu.Lock()
	if v.cfg.PresentOnly && isNotExist(err) {
		v.rep.Absent++
		v.mu.Unlock()
		return
	}
	v.rep.Files++
	v.rep.Bytes += n
	switch {
	case err == nil:
		v.rep.OK++
		v.mu.Unlock()
		return
	case isNotExist(err):
		v.rep.Missing++
	default:
		v.rep.Corrupt++
	}
	if len(v.rep.Problems) < maxProblems {
		v.rep.Problems = append(v.rep.Problems, fmt.Sprintf("%s: %v", j.key, err))
	}
	v.mu.Unlock()
	if !v.cfg.Repair {
		return
	}
	if !isNotExist(err) {
		if derr := v.cfg.Store.Delete(ctx, j.key); derr != nil {
			v.cfg.Logger.Warn("cannot delete corrupt file", "key", j.key, "err", derr)
		}
	}
	_, ferr := v.cfg.Fetcher.FetchFile(ctx, j.key)
	if ferr == nil {
		_, ferr = hashFile(ctx, v.cfg.Store, j)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if ferr != nil {
		v.rep.RepairFailed++
		v.cfg.Logger.Warn("repair failed", "key", j.key, "err", ferr)
		return
	}
	v.rep.Repaired++
}

var errCorrupt = errors.New("sha256 mismatch")

// hashFile reads a stored file through sha256 with a pooled 1 MiB buffer.
func hashFile(ctx context.Context, s cache.Store, j verifyJob) (int64, error) {
	obj, err := s.Open(ctx, j.key)
	if err != nil {
		return 0, err
	}
	defer obj.Close()
	if j.size >= 0 && obj.Info().Size != j.size {
		return 0, fmt.Errorf("size %d, want %d: %w", obj.Info().Size, j.size, errCorrupt)
	}
	h := sha256.New()
	buf := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(buf)
	n, err := io.CopyBuffer(h, struct{ io.Reader }{obj}, *buf)
	if err != nil {
		return n, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != j.sha256 {
		return n, fmt.Errorf("sha256 %s, want %s: %w", got[:12], j.sha256[:min(12, len(j.sha256))], errCorrupt)
	}
	return n, nil
}

// unowned finds (and with DeleteUnowned deletes) files under web/packages/
// that no recorded origin references.
func (v *verifier) unowned(ctx context.Context) error {
	var extra []string
	err := v.cfg.Store.Walk(ctx, cache.PackagesPrefix, func(info cache.Info) error {
		if !v.owned[info.Key] {
			extra = append(extra, info.Key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.rep.Unowned = len(extra)
	for _, key := range extra {
		if len(v.rep.Problems) < maxProblems {
			v.rep.Problems = append(v.rep.Problems, key+": referenced by no page")
		}
		if !v.cfg.DeleteUnowned {
			continue
		}
		if err := v.cfg.Store.Delete(ctx, key); err != nil {
			v.cfg.Logger.Warn("cannot delete unowned file", "key", key, "err", err)
			continue
		}
		v.rep.Deleted++
	}
	return nil
}
