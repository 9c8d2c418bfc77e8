package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// pageMeta is what identifies one version of a page, stored beside it
// (cache.PageMetaKey) so that a page that is not in memory is served from
// its stored renderings and revalidated with upstream without reading or
// parsing them.
type pageMeta struct {
	Serial int64 `json:"serial"`
	// ETags of the identity renderings: JSON, HTML.
	ETags [2]string `json:"etags"`
	// Sizes of the stored renderings by format and coding; 0 for a
	// rendering that is not stored.
	Sizes [2][numCodings]int64 `json:"sizes"`
	// Upstream is what upstream identified the version by, for the next
	// conditional request.
	Upstream upstream.Validators `json:"upstream"`
	// Digest is the sha256 of the upstream body the page was made from: a
	// 200 with the same bytes is a revalidation too.
	Digest string `json:"digest,omitempty"`
	// Index names the upstream index that served the page ("" unknown).
	Index string `json:"index,omitempty"`
}

// digestOf is the digest of an upstream body.
func digestOf(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// readMeta reads the sidecar of the page whose first copy is jsonKey.
func readMeta(ctx context.Context, s cache.Store, jsonKey string) (pageMeta, cache.Info, error) {
	var m pageMeta
	data, info, err := cache.ReadObjectInfo(ctx, s, cache.PageMetaKey(jsonKey))
	if err != nil {
		return m, info, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, info, fmt.Errorf("page sidecar of %s: %w", jsonKey, err)
	}
	return m, info, nil
}

// writeMeta writes the sidecar: after the renderings it describes, so a
// reader that finds it finds them.
func writeMeta(ctx context.Context, s cache.Store, jsonKey string, m pageMeta) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return cache.WriteObject(ctx, s, cache.PageMetaKey(jsonKey), data)
}

// deleteMeta removes the sidecar.
func deleteMeta(ctx context.Context, s cache.Store, jsonKey string) error {
	return s.Delete(ctx, cache.PageMetaKey(jsonKey))
}
