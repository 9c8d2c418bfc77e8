package main

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/proxy"
)

// cacheSizeEvery bounds how often the status page's cache size is
// measured by walking web/packages/ when no budget keeps count.
const cacheSizeEvery = 10 * time.Minute

// cacheSizer answers the status page's cache size: from the budget when
// --max-cache-size keeps count, else from a walk of the tree in the
// background, at most every cacheSizeEvery and only when asked for.
type cacheSizer struct {
	budget *cache.Budget
	store  cache.Store

	mu           sync.Mutex
	bytes, files int64
	measured     time.Time
	walking      bool
}

// size is a proxy.StatusSources.CacheSize.
func (c *cacheSizer) size() (bytes, files int64, ok bool) {
	if c.budget != nil {
		b, f, _ := c.budget.Stats()
		return b, f, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.walking && time.Since(c.measured) > cacheSizeEvery {
		c.walking = true
		go c.walk()
	}
	return c.bytes, c.files, !c.measured.IsZero()
}

func (c *cacheSizer) walk() {
	var bytes, files int64
	err := c.store.Walk(context.Background(), cache.PackagesPrefix, func(i cache.Info) error {
		if !strings.Contains(i.Key, "/"+cache.TempPrefix) {
			bytes += i.Size
			files++
		}
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.walking = false
	if err == nil {
		c.bytes, c.files, c.measured = bytes, files, time.Now()
	}
}

// statusSources are what serve tells the status page.
func statusSources(cfg *serveConfig, b *machinery) proxy.StatusSources {
	sizer := &cacheSizer{budget: b.budget, store: b.store}
	src := proxy.StatusSources{Version: version, Upstream: redact(cfg.up.upstream), CacheSize: sizer.size}
	if cfg.prefetch.enabled {
		src.MirrorUpstreamSerial = prefetch.UpstreamSerial
	}
	return src
}
