package index

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// ErrNoOrigin is a file key no parsed index page has linked to: the proxy
// fetches nothing else.
var ErrNoOrigin = errors.New("not a file listed on any index page this proxy has read")

// StartDownload joins or starts the download of a file or .metadata key
// whose origin an index page gave (the lazy proxy's file miss). A nil
// Download means it is published; joined is set when the download was
// already in flight.
func (s *Service) StartDownload(ctx context.Context, key string) (*cache.Download, bool, error) {
	want, fetch, err := s.recordedPlan(ctx, key)
	if err != nil {
		return nil, false, err
	}
	d, joined, err := s.filler.Stream(ctx, key, want, fetch)
	if joined {
		coalescedWaiters.WithLabelValues("file").Inc()
	}
	return d, joined, err
}

// recordedPlan is the download plan of a key from the origins book.
func (s *Service) recordedPlan(ctx context.Context, key string) (cache.Expect, cache.Fetch, error) {
	o, ok := s.origins.lookup(ctx, strings.TrimSuffix(key, ".metadata"))
	if !ok {
		return cache.Expect{}, nil, ErrNoOrigin
	}
	if err := s.allowed(o, key); err != nil {
		return cache.Expect{}, nil, err
	}
	return s.downloadPlan(key, map[string]origin{strings.TrimSuffix(key, ".metadata"): o})
}

// downloadPlan says what a file or .metadata key must be and where it
// comes from, given the origins of the files it may be one of; only keys
// an index page gave have a plan.
func (s *Service) downloadPlan(key string, files map[string]origin) (cache.Expect, cache.Fetch, error) {
	fileKey, isMeta := strings.CutSuffix(key, ".metadata")
	o, ok := files[fileKey]
	if !ok || (isMeta && !o.Metadata) {
		return cache.Expect{}, nil, ErrNoOrigin
	}
	if isMeta && o.MetadataExtracted {
		want, fetch := s.extractedPlan(fileKey, o)
		return want, fetch, nil
	}
	if s.cfg.Offline {
		return cache.Expect{}, nil, ErrNotCachedOffline
	}
	src, want := o.URL, cache.Expect{SHA256: o.Hashes["sha256"], Size: o.Size}
	if isMeta {
		src, want = o.URL+".metadata", cache.Expect{SHA256: o.MetadataHashes["sha256"], Size: -1}
	}
	if digest, ok := cache.PackageDigest(key); ok {
		want.Blake2b256 = digest
	}
	// Unhashed PEP 658 metadata stays served, never cached (README);
	// a distribution file must be verifiable.
	if !isMeta && !s.cfg.AllowUnverified && !usableSHA256(want.SHA256) {
		return cache.Expect{}, nil, ErrUnverifiable
	}
	ix := s.indexOf(o)
	fetch := func(ctx context.Context) (io.ReadCloser, int64, error) { return ix.OpenFile(ctx, src) }
	return want, fetch, nil
}

// indexOf is the upstream index a file is fetched through: the one whose
// page listed it.
func (s *Service) indexOf(o origin) upstream.Index {
	if ix := s.cfg.Upstream.Named(o.Index); ix != nil {
		return ix
	}
	return s.cfg.Upstream.ForProject(o.Project)
}

// failureReason labels a failed download for metrics.
func failureReason(err error) string {
	var ue *upstream.Error
	switch {
	case errors.Is(err, cache.ErrHashMismatch):
		return "hash_mismatch"
	case errors.Is(err, cache.ErrTooLarge):
		return "too_large"
	case errors.Is(err, cache.ErrTruncated):
		return "truncated"
	case errors.Is(err, cache.ErrStalled):
		return "stalled"
	case errors.As(err, &ue):
		return ue.Kind.String()
	}
	return "other"
}

// FileIndex is the index whose page listed a file or .metadata key ("" when
// no page did).
func (s *Service) FileIndex(ctx context.Context, key string) string {
	o, ok := s.origins.lookup(ctx, strings.TrimSuffix(key, ".metadata"))
	if !ok {
		return ""
	}
	if o.Index == "" {
		return s.cfg.Upstream.Named("").Name()
	}
	return o.Index
}
