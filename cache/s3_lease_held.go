package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// S3Lease is a lease held through TryLease or AwaitLease. It renews itself in the
// background every ttl/3 until Release; if a renewal finds the lease taken
// over, or renewals keep failing until it expires, Lost is closed and the
// holder must stop the work the lease guards. A holder that crashes stops
// renewing, and its lease expires after ttl. Its methods are safe for
// concurrent use.
type S3Lease struct {
	s         *S3
	name, obj string
	owner     string
	ttl       time.Duration

	mu      sync.Mutex
	etag    string
	expires time.Time
	gone    bool // lost or released
	freed   bool // released

	lost     chan struct{}
	lostOnce sync.Once
	stop     context.CancelFunc // ends the renewer
	renewer  chan struct{}      // closed when the renewer has ended
}

func (s *S3) held(name, obj string, ttl time.Duration, rec leaseRecord, etag string) *S3Lease {
	l := &S3Lease{s: s, name: name, obj: obj, owner: rec.Owner, ttl: ttl,
		etag: etag, expires: rec.Expires, lost: make(chan struct{}), renewer: make(chan struct{})}
	ctx, stop := context.WithCancel(context.Background())
	l.stop = stop
	go l.renewLoop(ctx)
	return l
}

// Name returns the lease's name.
func (l *S3Lease) Name() string { return l.name }

// Expires returns when the lease runs out unless renewed.
func (l *S3Lease) Expires() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expires
}

// Lost is closed once the lease is no longer held: lost, or released.
func (l *S3Lease) Lost() <-chan struct{} { return l.lost }

func (l *S3Lease) markGone() {
	l.gone = true
	l.lostOnce.Do(func() { close(l.lost) })
}

// renewLoop renews every ttl/3; it gives up when the lease is lost or
// has expired with every renewal failing (say the service is unreachable).
func (l *S3Lease) renewLoop(ctx context.Context) {
	defer close(l.renewer)
	every := l.ttl / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, every)
		err := l.Renew(rctx)
		cancel()
		if err != nil && ctx.Err() == nil && !l.s.now().Before(l.Expires()) {
			l.mu.Lock()
			l.markGone()
			l.mu.Unlock()
		}
		select {
		case <-l.lost:
			return
		default:
		}
	}
}

// Renew extends the lease to ttl from now, with a PUT conditional on the
// lease's current ETag. It returns ErrLeaseLost (and closes Lost) when the
// lease was taken over or removed meanwhile.
func (l *S3Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return fmt.Errorf("cache: renew %s: %w", l.name, ErrLeaseLost)
	}
	rec := leaseRecord{Owner: l.owner, Expires: l.s.now().Add(l.ttl)}
	etag, err := l.s.putLease(ctx, l.obj, rec, l.etag)
	if conflict(err) && l.adopt(ctx) {
		etag, err = l.s.putLease(ctx, l.obj, rec, l.etag)
	}
	if conflict(err) {
		l.markGone()
		return fmt.Errorf("cache: renew %s: %w", l.name, ErrLeaseLost)
	} else if err != nil {
		return &opError{op: "renew", key: l.name, err: err}
	}
	l.etag, l.expires = etag, rec.Expires
	return nil
}

// adopt handles a renewal that landed but whose answer was lost (say it
// timed out): the object then has this lease's owner and a new ETag,
// which adopt takes. It reports whether the object is still this lease's.
func (l *S3Lease) adopt(ctx context.Context) bool {
	cur, etag, err := l.s.readLease(ctx, l.obj)
	if err != nil || cur.Owner != l.owner {
		return false
	}
	l.etag = etag
	return true
}

// Release stops the renewals and gives the lease up: it deletes the lease
// object if it is still this lease's and comfortably before its expiry (so
// nobody can have taken it over in between); otherwise it leaves the
// expired object, which the next TryLease takes over. It returns
// ErrLeaseLost if the lease had been lost.
func (l *S3Lease) Release(ctx context.Context) error {
	l.stop()
	<-l.renewer
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.freed {
		return nil
	}
	if l.gone {
		return fmt.Errorf("cache: release %s: %w", l.name, ErrLeaseLost)
	}
	l.freed = true
	defer l.markGone()
	margin := min(2*time.Second, l.ttl/2)
	if !l.s.now().Add(margin).Before(l.expires) {
		return nil
	}
	oi, err := l.s.client.StatObject(ctx, l.s.bucket, l.obj, minio.StatObjectOptions{})
	if isNoSuchKey(err) || (err == nil && oi.ETag != l.etag) {
		return fmt.Errorf("cache: release %s: %w", l.name, ErrLeaseLost)
	} else if err != nil {
		return &opError{op: "release", key: l.name, err: err}
	}
	if err := l.s.client.RemoveObject(ctx, l.s.bucket, l.obj, minio.RemoveObjectOptions{}); err != nil {
		return &opError{op: "release", key: l.name, err: err}
	}
	return nil
}
