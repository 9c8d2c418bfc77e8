package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// Expect is what a fetched object must turn out to be before it is published.
type Expect struct {
	// SHA256 is the hex digest the index advertised. Without one the bytes
	// are streamed to the clients but never published.
	SHA256 string
	// Size is the advertised size, or -1.
	Size int64
	// Blake2b256 is the hex digest the key itself names (PackageDigest),
	// checked as well when set: a content-addressed key holds only the
	// bytes it names, whoever's page claimed it.
	Blake2b256 string
}

// Fetch opens the upstream body and reports its length (-1 if unknown).
type Fetch func(ctx context.Context) (body io.ReadCloser, size int64, err error)

// ErrHashMismatch is a download whose sha256 is not the advertised one.
var ErrHashMismatch = errors.New("sha256 mismatch")

// ErrTruncated is a download that ended before its advertised size.
var ErrTruncated = errors.New("truncated download")

// ErrStalled is a download that made no progress for the idle timeout.
var ErrStalled = errors.New("download stalled")

// FillerOptions configures a Filler. Zero values are the documented defaults.
type FillerOptions struct {
	// SpoolDir holds the bytes of downloads in progress, for the clients
	// that join them (default os.TempDir()).
	SpoolDir string
	// IdleTimeout aborts a download that receives nothing for this long (default 60s).
	IdleTimeout time.Duration
	// MaxDuration bounds a whole download (default 1h).
	MaxDuration time.Duration
	// LeaseTTL is the lease of a download on a shared store (a Leaser:
	// one process of a cluster downloads, the others wait for its object;
	// see claim). Default DefaultFillLeaseTTL.
	LeaseTTL time.Duration
	// MaxUnknownSize bounds a download whose size neither the index nor
	// upstream's Content-Length gives (default 8 GiB): a chunked body
	// cannot fill the disk.
	MaxUnknownSize int64
	// OnCommit is called after an object is published.
	OnCommit func(key string, size int64)
	// OnFailure is called when a download fails (for metrics).
	OnFailure func(key string, err error)
	Logger    *slog.Logger
}

// Filler fetches each missing object once, however many clients ask at the
// same time: the bytes go to a temp object, through sha256 and to a spool
// that every waiting client reads as they arrive. The object is published
// only when its hash checks out.
type Filler struct {
	store Store
	opts  FillerOptions

	base  context.Context // parent of every download; cancelled by Close
	close context.CancelFunc

	mu       sync.Mutex
	inflight map[string]*Download
}

// NewFiller builds a Filler over store.
func NewFiller(store Store, opts FillerOptions) *Filler {
	if opts.SpoolDir == "" {
		opts.SpoolDir = os.TempDir()
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.MaxDuration <= 0 {
		opts.MaxDuration = time.Hour
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultFillLeaseTTL
	}
	if opts.MaxUnknownSize <= 0 {
		opts.MaxUnknownSize = 8 << 30
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	base, cancel := context.WithCancel(context.Background())
	return &Filler{store: store, opts: opts, base: base, close: cancel, inflight: map[string]*Download{}}
}

// Stream returns the download of key for clients to read while it runs (spooled), joining the one in flight or starting
// one. It returns nil and no error when key was published meanwhile: the
// caller should open it from the store. The download runs detached from
// ctx: a client hanging up does not abort it for the others.
func (f *Filler) Stream(ctx context.Context, key string, want Expect, fetch Fetch) (d *Download, joined bool, err error) {
	d, joined, err = f.get(ctx, key, want, true)
	if d != nil && !joined {
		go f.run(d, want, fetch, syncDeferred(ctx))
	}
	return d, joined, err
}

// Publish downloads key, or joins its download in flight, and waits; it
// returns the size published. Unlike Get it does not look in the store
// first (the caller has just done so: a bulk mirror sync checks every file
// once, not twice) and keeps no spool (nobody streams it): a client that
// joins meanwhile waits for the published object. A download Publish starts
// runs on the caller's goroutine (a mirror's long-lived workers, rather
// than a fresh goroutine per file); ctx ending aborts it unless other
// clients have joined it. This is the mirror's path.
func (f *Filler) Publish(ctx context.Context, key string, want Expect, fetch Fetch) (int64, error) {
	d, joined, err := f.get(ctx, key, want, false)
	if err != nil {
		return 0, err
	}
	defer d.Release()
	if !joined {
		stop := context.AfterFunc(ctx, func() { d.cancelUnlessShared() })
		f.run(d, want, fetch, syncDeferred(ctx))
		stop()
		if err := d.Err(); err != nil {
			if errors.Is(err, errAbandoned) {
				return 0, ctx.Err()
			}
			return 0, err
		}
		return d.Written(), nil
	}
	select {
	case <-d.Done():
		return d.Written(), d.Err()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// get joins key's download in flight or registers a new one, which the
// caller then runs; with spooled it first looks in the store (nil, false
// and no error: published meanwhile) and gives the download a spool.
func (f *Filler) get(ctx context.Context, key string, want Expect, spooled bool) (*Download, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := f.inflight[key]; d != nil {
		d.acquire()
		return d, true, nil
	}
	var spool *os.File
	if spooled {
		if _, err := f.store.Stat(ctx, key); err == nil {
			return nil, false, nil
		}
		var err error
		if spool, err = os.CreateTemp(f.opts.SpoolDir, "pypi-proxy-spool-*"); err != nil {
			return nil, false, fmt.Errorf("spool for %s: %w", key, err)
		}
		os.Remove(spool.Name()) // unlinked: the open descriptor is all we need
	}
	d := newDownload(key, spool, want.Size)
	f.inflight[key] = d
	d.acquire() // the caller's reference
	d.acquire() // run's reference
	return d, false, nil
}

// Wait blocks until every download in flight has finished or ctx ends.
func (f *Filler) Wait(ctx context.Context) error {
	for {
		f.mu.Lock()
		var d *Download
		for _, d = range f.inflight {
			break
		}
		f.mu.Unlock()
		if d == nil {
			return nil
		}
		select {
		case <-d.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close aborts every download in flight (their temp objects are removed,
// nothing is published) and waits for them to end.
func (f *Filler) Close() {
	f.close()
	_ = f.Wait(context.Background())
}

func (f *Filler) run(d *Download, want Expect, fetch Fetch, deferSync bool) {
	defer d.release()
	bounded, stop := context.WithTimeout(f.base, f.opts.MaxDuration)
	defer stop()
	ctx, cancel := context.WithCancelCause(bounded)
	defer cancel(nil)
	d.setCancel(cancel)
	if deferSync {
		ctx = DeferSync(ctx)
	}
	err := f.download(ctx, cancel, d, want, fetch)
	f.mu.Lock()
	delete(f.inflight, d.key)
	f.mu.Unlock()
	d.finish(err)
	switch {
	case err == nil:
	case errors.Is(err, errAbandoned):
		f.opts.Logger.Debug("download abandoned, nothing published", "key", d.key)
	default:
		f.opts.Logger.Warn("download failed, nothing published", "key", d.key, "err", err)
		if f.opts.OnFailure != nil {
			f.opts.OnFailure(d.key, err)
		}
	}
}

// errAbandoned ends a download whose starter gave up on it while nobody
// else waited for it.
var errAbandoned = errors.New("download abandoned")

// why prefers the reason a download's context was cancelled (stalled,
// abandoned, lease lost) to the error the cancellation caused.
func why(ctx context.Context, err error) error {
	if c := context.Cause(ctx); errors.Is(c, ErrStalled) || errors.Is(c, errAbandoned) || errors.Is(c, ErrLeaseLost) {
		return c
	}
	return err
}

// download copies upstream to the temp object and the spool, then verifies
// and commits. The temp object is discarded on any failure.
func (f *Filler) download(ctx context.Context, cancel context.CancelCauseFunc, d *Download, want Expect, fetch Fetch) error {
	lease, done, err := f.claim(ctx, d, want)
	if err != nil || done {
		return err
	}
	if lease != nil {
		defer f.holdLease(ctx, cancel, d.key, lease)()
	}
	body, size, err := fetch(ctx)
	if err != nil {
		return why(ctx, err)
	}
	defer body.Close()
	if size >= 0 && want.Size >= 0 && size != want.Size {
		return fmt.Errorf("%s: upstream length %d, index says %d: %w", d.key, size, want.Size, ErrTruncated)
	}
	if size < 0 {
		size = want.Size
	}
	d.setSize(size)
	w, err := f.store.Create(ctx, d.key)
	if err != nil {
		return err
	}
	defer w.Cancel(context.Background())
	h := sha256.New()
	b2 := newContentCheck(want.Blake2b256)
	watchdog := time.AfterFunc(f.opts.IdleTimeout, func() {
		cancel(fmt.Errorf("%s: no data for %s: %w", d.key, f.opts.IdleTimeout, ErrStalled))
	})
	defer watchdog.Stop()
	n, err := copyChunks(body, d, io.MultiWriter(w, h, b2), watchdog, f.opts.IdleTimeout, f.limit(size))
	if err != nil {
		return why(ctx, fmt.Errorf("%s: %w", d.key, err))
	}
	if size >= 0 && n != size {
		return fmt.Errorf("%s: got %d of %d bytes: %w", d.key, n, size, ErrTruncated)
	}
	if want.SHA256 == "" {
		return nil // streamed, never published: nothing to verify it against
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(want.SHA256) {
		return fmt.Errorf("%s: got sha256 %s, index says %s: %w", d.key, got, want.SHA256, ErrHashMismatch)
	}
	if err := b2.check(d.key); err != nil {
		return err
	}
	if err := w.Commit(ctx); err != nil {
		return why(ctx, err)
	}
	if f.opts.OnCommit != nil {
		f.opts.OnCommit(d.key, n)
	}
	return nil
}
