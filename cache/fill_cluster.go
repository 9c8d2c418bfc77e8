package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// DefaultFillLeaseTTL is FillerOptions.LeaseTTL's default: a crashed
// holder's download is taken over this long after its last renewal.
const DefaultFillLeaseTTL = 30 * time.Second

// clusterWaits counts downloads another process of the cluster did.
var clusterWaits = promauto.NewCounter(prometheus.CounterOpts{
	Name: "pypi_proxy_cluster_fill_waits_total",
	Help: "File misses answered from the object another replica downloaded while this one waited (shared store).",
})

// fillLeaseName is the lease that makes one process of a cluster fetch
// key: named after the key's sha256, so every key maps to one short name.
func fillLeaseName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "fill/" + hex.EncodeToString(sum[:])
}

// claim makes the download of d the only one in the cluster when the
// store is shared (a Leaser): it takes the key's lease, or waits while
// another process holds it until the object appears (done: d was served
// from it) or the lease is free again (its holder failed or died: this
// process downloads). The caller holds the lease it returns while it
// downloads (see holdLease). Without a Leaser, or for an object that is
// never published (no hash), claim returns no lease and does nothing.
func (f *Filler) claim(ctx context.Context, d *Download, want Expect) (lease Lease, done bool, err error) {
	leaser, ok := LeaserOf(f.store)
	if !ok || want.SHA256 == "" {
		return nil, false, nil
	}
	name := fillLeaseName(d.key)
	wait := 50 * time.Millisecond
	for {
		l, err := leaser.TakeLease(ctx, name, f.opts.LeaseTTL)
		if err != nil && !errors.Is(err, ErrLocked) {
			return nil, false, why(ctx, err)
		}
		if _, serr := f.store.Stat(ctx, d.key); serr == nil { // published by another process
			if l != nil {
				_ = l.Release(context.WithoutCancel(ctx))
			}
			clusterWaits.Inc()
			return nil, true, f.copyStored(ctx, d, want)
		}
		if l != nil {
			return l, false, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false, why(ctx, fmt.Errorf("%s: waiting for another process's download: %w", d.key, ctx.Err()))
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// copyStored feeds d from the object another process published: its
// readers stream it as from an upstream download, and its hash is checked
// the same way (a bad object fails d rather than reaching a client whole).
func (f *Filler) copyStored(ctx context.Context, d *Download, want Expect) error {
	obj, err := f.store.Open(ctx, d.key)
	if err != nil {
		return err
	}
	defer obj.Close()
	size := obj.Info().Size
	if want.Size >= 0 && size != want.Size {
		return fmt.Errorf("%s: stored size %d, index says %d: %w", d.key, size, want.Size, ErrTruncated)
	}
	d.setSize(size)
	h := sha256.New()
	watchdog := time.AfterFunc(f.opts.IdleTimeout, func() { obj.Close() })
	defer watchdog.Stop()
	n, err := copyChunks(obj, d, h, watchdog, f.opts.IdleTimeout, size)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s: read %d of %d stored bytes: %w", d.key, n, size, io.ErrUnexpectedEOF)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(want.SHA256) {
		return fmt.Errorf("%s: stored sha256 %s, index says %s: %w", d.key, got, want.SHA256, ErrHashMismatch)
	}
	return nil
}
