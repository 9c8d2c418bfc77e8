package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// Extraction of PEP 658 metadata from cached wheels: for a wheel whose page
// offers no metadata upstream can vouch for (none, or "true" without a
// sha256), the proxy reads <dist>.dist-info/METADATA out of the wheel it
// has verified and published, stores it as <wheel key>.metadata, records
// its sha256 in the project's origins (MetadataExtracted) and advertises it
// on the project's page. pip then resolves from metadata alone.

const (
	// extractWorkers bounds the extractions running at once.
	extractWorkers = 2
	// maxPendingExtractions bounds the wheels waiting for a worker; more
	// are skipped (counted as "dropped").
	maxPendingExtractions = 1024
	// extractTimeout bounds one extraction.
	extractTimeout = time.Minute
)

// errNotRecorded is a published wheel no page record lists (yet).
var errNotRecorded = errors.New("no recorded origin")

// extractor runs extractions in the background, bounded.
type extractor struct {
	ctx     context.Context // cancelled by stop
	cancel  context.CancelFunc
	slots   chan struct{}
	pending atomic.Int64
	wg      sync.WaitGroup
}

func newExtractor() *extractor {
	ctx, cancel := context.WithCancel(context.Background())
	return &extractor{ctx: ctx, cancel: cancel, slots: make(chan struct{}, extractWorkers)}
}

// stop aborts the extractions still waiting or running and waits for them.
func (e *extractor) stop() {
	e.cancel()
	e.wg.Wait()
}

// wheelPublished is the Filler's OnCommit hook: a published wheel gets its
// metadata extracted in the background when its page offers none.
func (s *Service) wheelPublished(key string, _ int64) {
	if !strings.HasSuffix(key, ".whl") {
		return
	}
	e := s.extract
	if e.pending.Add(1) > maxPendingExtractions {
		e.pending.Add(-1)
		metadataExtractions.WithLabelValues("dropped").Inc()
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer e.pending.Add(-1)
		select {
		case e.slots <- struct{}{}:
			defer func() { <-e.slots }()
		case <-e.ctx.Done():
			return
		}
		ctx, cancel := context.WithTimeout(e.ctx, extractTimeout)
		defer cancel()
		s.extractMetadata(ctx, key)
	}()
}

// extractMetadata extracts, stores, records and advertises the metadata of
// the wheel published under key, unless its page offers verifiable
// metadata or it is extracted already.
func (s *Service) extractMetadata(ctx context.Context, key string) {
	o, ok := s.origins.lookup(ctx, key)
	if !ok {
		s.log.Debug("wheel published without a record, metadata not extracted", "key", key)
		return
	}
	if upstreamMetadataVerifiable(o) {
		return
	}
	mkey := cache.MetadataKey(key)
	if _, err := s.cfg.Store.Stat(ctx, mkey); err == nil && o.MetadataExtracted {
		return
	}
	md, err := storedWheelMetadata(ctx, s.cfg.Store, key)
	if err == nil {
		err = cache.WriteObject(ctx, s.cfg.Store, mkey, md)
	}
	if err == nil {
		sum := sha256.Sum256(md)
		err = s.advertiseExtracted(ctx, o.Project, key, hex.EncodeToString(sum[:]))
	}
	if err != nil {
		metadataExtractions.WithLabelValues("failed").Inc()
		s.log.Warn("cannot extract wheel metadata", "key", key, "err", err)
		return
	}
	metadataExtractions.WithLabelValues("extracted").Inc()
	s.log.Debug("extracted wheel metadata", "key", key, "bytes", len(md))
}

// advertiseExtracted records the extracted metadata of key and re-renders
// the project's current page with it, under the page's commit lock (so no
// refresh commits in between and loses it).
func (s *Service) advertiseExtracted(ctx context.Context, project, key, sum string) error {
	defer s.commits.lock(project)()
	files := s.origins.files(ctx, project)
	o, ok := files[key]
	if !ok {
		return nil // left the page meanwhile
	}
	if upstreamMetadataVerifiable(o) {
		return nil
	}
	o.Metadata, o.MetadataHashes, o.MetadataExtracted = true, map[string]string{"sha256": sum}, true
	files[key] = o
	if err := s.origins.record(ctx, project, files); err != nil {
		return err
	}
	kind := projectPage{s: s, name: project}
	p := s.pages.cached(ctx, kind)
	if p == nil || p.notFound {
		return nil
	}
	np, changed, err := kind.withExtracted(ctx, p, files)
	if err != nil || !changed {
		return err
	}
	err = s.pages.persist(ctx, kind, np, true)
	if err == nil {
		np = np.asStored(storedKeys(kind))
	}
	s.pages.keep(kind, np)
	return err
}

// upstreamMetadataVerifiable reports whether the page itself offers
// metadata with a sha256 (which the proxy checks when it fetches it).
func upstreamMetadataVerifiable(o origin) bool {
	return o.Metadata && !o.MetadataExtracted && o.MetadataHashes["sha256"] != ""
}
