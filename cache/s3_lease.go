package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
)

// Lease errors.
var (
	// ErrLeaseLost is returned by Renew and Release once the lease expired
	// and was taken over, or its object was removed; a Filler's download
	// whose lease is lost fails with it.
	ErrLeaseLost = errors.New("cache: lease lost")
)

// leaseDir holds the lease objects, under the store's prefix; its leading
// dot keeps them out of Walk.
const leaseDir = ".locks/"

// leaseRecord is the content of a lease object.
type leaseRecord struct {
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
}

// TryLease takes the lease name (a valid key, e.g. a file's key) for ttl, or
// fails with ErrLocked while someone else holds it. The lease is an object
// written with a conditional PUT: If-None-Match: * when there is none, or
// If-Match on the ETag of an expired one (a crashed holder's), so of
// several contenders exactly one wins. The held lease renews itself every
// ttl/3 until Release; Lost tells when that failed.
//
// Expiry compares the holders' clocks: keep them in sync (NTP) and ttl
// well above the skew.
func (s *S3) TryLease(ctx context.Context, name string, ttl time.Duration) (*S3Lease, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("cache: lock %s: ttl %v", name, ttl)
	}
	obj, err := s.s3Op(ctx, "lock", name)
	if err != nil {
		return nil, err
	}
	obj = s.prefix + leaseDir + name
	owner := leaseOwner()
	for range 3 {
		rec := leaseRecord{Owner: owner, Expires: s.now().Add(ttl)}
		etag, err := s.putLease(ctx, obj, rec, "")
		if err == nil {
			return s.held(name, obj, ttl, rec, etag), nil
		}
		if !conflict(err) {
			return nil, &opError{op: "lock", key: name, err: err}
		}
		cur, curTag, err := s.readLease(ctx, obj)
		if isNoSuchKey(err) {
			continue // released meanwhile
		} else if err != nil {
			return nil, &opError{op: "lock", key: name, err: err}
		}
		if s.now().Before(cur.Expires) {
			return nil, fmt.Errorf("%w: %s is held by %s until %s", ErrLocked, name, cur.Owner,
				cur.Expires.Format(time.RFC3339))
		}
		etag, err = s.putLease(ctx, obj, rec, curTag) // take over the expired lease
		if err == nil {
			return s.held(name, obj, ttl, rec, etag), nil
		}
		if !conflict(err) {
			return nil, &opError{op: "lock", key: name, err: err}
		}
	}
	return nil, fmt.Errorf("%w: %s is contended", ErrLocked, name)
}

// AwaitLease waits for the lease name: it retries TryLease (backing off from
// 50ms to 1s) until it succeeds or ctx ends.
func (s *S3) AwaitLease(ctx context.Context, name string, ttl time.Duration) (*S3Lease, error) {
	wait := 50 * time.Millisecond
	for {
		l, err := s.TryLease(ctx, name, ttl)
		if !errors.Is(err, ErrLocked) {
			return l, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("cache: lock %s: %w (%v)", name, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// putLease writes rec conditionally: only if no object exists (ifMatch
// "") or only over the object with ETag ifMatch. It returns the new ETag.
func (s *S3) putLease(ctx context.Context, obj string, rec leaseRecord, ifMatch string) (string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	opts := minio.PutObjectOptions{ContentType: "application/json"}
	if ifMatch == "" {
		opts.SetMatchETagExcept("*")
	} else {
		opts.SetMatchETag(ifMatch)
	}
	info, err := s.core.PutObject(ctx, s.bucket, obj, bytes.NewReader(b), int64(len(b)), "", "", opts)
	return info.ETag, err
}

// readLease reads a lease object and its ETag.
func (s *S3) readLease(ctx context.Context, obj string) (leaseRecord, string, error) {
	body, oi, _, err := s.core.GetObject(ctx, s.bucket, obj, minio.GetObjectOptions{})
	if err != nil {
		return leaseRecord{}, "", err
	}
	defer body.Close()
	var rec leaseRecord
	if err := json.NewDecoder(body).Decode(&rec); err != nil {
		return leaseRecord{}, "", fmt.Errorf("lease object %s: %w", obj, err)
	}
	return rec, oi.ETag, nil
}

// conflict reports a failed condition: the object exists (If-None-Match),
// or changed or vanished (If-Match).
func conflict(err error) bool {
	c := errCode(err)
	return c == minio.PreconditionFailed || c == minio.NoSuchKey || c == "ConditionalRequestConflict"
}

// leaseOwner names this holder in lease objects: host, process, and a
// random part that tells two leases of one process apart.
func leaseOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// DefaultLeaseTTL is the lease of a lock taken through cache.Locker: a
// crashed holder's lock is free again this long after its last renewal.
const DefaultLeaseTTL = time.Minute

// TryLock takes the lock called name ("" is the mirror's) as a lease of
// DefaultLeaseTTL, renewed while held: S3 is a cache.Locker.
func (s *S3) TryLock(ctx context.Context, name string) (Lock, error) {
	if name == "" {
		name = "mirror"
	}
	l, err := s.TryLease(ctx, name, DefaultLeaseTTL)
	if err != nil {
		return nil, err
	}
	return leaseLock{l}, nil
}

// leaseLock is a held lease seen as a cache.Lock.
type leaseLock struct{ l *S3Lease }

func (k leaseLock) Release() error { return k.l.Release(context.Background()) }
