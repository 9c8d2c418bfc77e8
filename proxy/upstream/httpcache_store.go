package upstream

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/pypi-proxy/pypi-proxy/cache"
)

// storeCache is the httpcache.Cache behind the JSON API documents: ristretto
// in memory in front of a cache.Store, so revalidation data (ETag,
// Last-Modified and the last body) survives a restart. Index pages do not go
// through it: httpcache keeps a response as one byte slice and rewrites it
// on every 304, which costs a 34 MB root tens of milliseconds; pages keep
// their own validators instead (proxy/index's page sidecar).
type storeCache struct {
	mem    *ristretto.Cache[string, []byte]
	store  cache.Store // nil: memory only
	prefix string
	log    *slog.Logger
}

func newStoreCache(store cache.Store, memBytes int64, log *slog.Logger) (*storeCache, error) {
	mem, err := ristretto.NewCache(&ristretto.Config[string, []byte]{
		NumCounters: max(10*memBytes/4096, 1000),
		MaxCost:     memBytes,
		BufferItems: 64,
	})
	if err != nil {
		return nil, err
	}
	return &storeCache{mem: mem, store: store, prefix: cache.HTTPCachePrefix, log: log}, nil
}

func (c *storeCache) key(k string) string {
	sum := sha256.Sum256([]byte(k))
	h := hex.EncodeToString(sum[:])
	return c.prefix + h[:2] + "/" + h
}

// Get implements httpcache.Cache.
func (c *storeCache) Get(k string) ([]byte, bool) {
	if b, ok := c.mem.Get(k); ok {
		return b, true
	}
	if c.store == nil {
		return nil, false
	}
	obj, err := c.store.Open(context.Background(), c.key(k))
	if err != nil {
		return nil, false
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return nil, false
	}
	c.mem.Set(k, b, int64(len(b)))
	return b, true
}

// Set implements httpcache.Cache. Only 200 responses are worth keeping:
// errors are never revalidated, and 404s are cached by the page layer.
func (c *storeCache) Set(k string, resp []byte) {
	if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200")) && !bytes.HasPrefix(resp, []byte("HTTP/2.0 200")) {
		return
	}
	c.mem.Set(k, resp, int64(len(resp)))
	c.mem.Wait() // ristretto applies sets asynchronously; the next Get must see it
	if c.store == nil {
		return
	}
	// A lost entry only costs a full download instead of a 304: no fsync.
	ctx := cache.DeferSync(context.Background())
	w, err := c.store.Create(ctx, c.key(k))
	if err != nil {
		c.log.Warn("http cache: cannot store", "err", err)
		return
	}
	defer w.Cancel(ctx)
	if _, err := w.Write(resp); err != nil {
		c.log.Warn("http cache: cannot store", "err", err)
		return
	}
	if err := w.Commit(ctx); err != nil {
		c.log.Warn("http cache: cannot store", "err", err)
	}
}

// Delete implements httpcache.Cache.
func (c *storeCache) Delete(k string) {
	c.mem.Del(k)
	if c.store != nil {
		_ = c.store.Delete(context.Background(), c.key(k))
	}
}
