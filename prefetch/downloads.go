package prefetch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// downloads is a pass's pool of Workers file downloaders, shared by the
// projects syncing in parallel: long-lived goroutines (whose stacks have
// grown once) rather than one goroutine per file.
type downloads struct {
	m    *Mirror
	jobs chan fileJob
	wg   sync.WaitGroup
}

// fileJob is one file of a project's batch.
type fileJob struct {
	ctx   context.Context
	plan  *index.Plan
	key   string
	size  int64 // -1 when the page gave none (a .metadata file)
	batch *fileBatch
}

// fileBatch is one project's files in flight.
type fileBatch struct {
	plan *index.Plan
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
	r    *projectResult
	prog progress
}

func (m *Mirror) startDownloads() *downloads {
	d := &downloads{m: m, jobs: make(chan fileJob)}
	for range m.cfg.Workers {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for j := range d.jobs {
				d.fetch(j)
			}
		}()
	}
	return d
}

// stop ends the workers once every batch has been handed out.
func (d *downloads) stop() {
	close(d.jobs)
	d.wg.Wait()
}

// fetchFiles downloads every missing file of a page (unless IndexOnly),
// and its .metadata when advertised with a hash, and waits for them.
func (d *downloads) fetchFiles(ctx context.Context, plan *index.Plan, r *projectResult, prog progress) error {
	b := &fileBatch{r: r, prog: prog, plan: plan}
	for _, f := range plan.Files {
		if f.SHA256 == "" {
			continue // the filler never publishes an unverifiable file
		}
		if !d.m.cfg.IndexOnly {
			d.add(ctx, b, f.Key, f.Size)
		}
		if f.Metadata && f.MetadataSHA256 != "" {
			d.add(ctx, b, f.Key+".metadata", -1)
		}
	}
	b.wg.Wait()
	return errors.Join(b.errs...)
}

// add queues key unless it is on disk already.
func (d *downloads) add(ctx context.Context, b *fileBatch, key string, size int64) {
	if _, err := d.m.store().Stat(ctx, key); err == nil {
		return
	}
	if size > 0 {
		b.prog.addBytes(size)
	}
	b.wg.Add(1)
	select {
	case d.jobs <- fileJob{ctx: ctx, key: key, size: size, batch: b}:
	case <-ctx.Done():
		b.fail(ctx.Err())
	}
}

func (d *downloads) fetch(j fileJob) {
	b := j.batch
	if err := j.ctx.Err(); err != nil {
		b.fail(err)
		return
	}
	n, err := b.plan.Fetch(j.ctx, j.key)
	if err != nil {
		failures.WithLabelValues("file").Inc()
		b.fail(fmt.Errorf("%s: %w", j.key, err))
		return
	}
	size := j.size
	if size < 0 {
		size = n
		b.prog.addBytes(size)
	}
	b.prog.bytesDone(size)
	filesSynced.Inc()
	b.r.files.Add(1)
	b.r.bytes.Add(size)
	b.wg.Done()
}

// fail records a file that did not make it and ends its job.
func (b *fileBatch) fail(err error) {
	b.mu.Lock()
	b.errs = append(b.errs, err)
	b.mu.Unlock()
	b.wg.Done()
}
