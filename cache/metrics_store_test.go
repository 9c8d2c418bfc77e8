package cache_test

import (
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

// TestMetricsStoreCompliance: the metrics decorator is a Store like any
// other, over either backend.
func TestMetricsStoreCompliance(t *testing.T) {
	t.Run("fs", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) cache.Store { return cache.WithMetrics(newFS(t)) })
	})
	t.Run("mem", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) cache.Store { return cache.WithMetrics(cache.NewMem()) })
	})
}

// TestMetricsStoreCounts: bytes written and read, and failures (not
// misses), are counted.
func TestMetricsStoreCounts(t *testing.T) {
	s := cache.WithMetrics(cache.NewMem())
	w0, r0, e0 := cache.StoreBytes("write"), cache.StoreBytes("read"), cache.StoreErrors("open")
	storetest.Put(t, s, "web/simple/x/index.html", []byte("hello"))
	storetest.Get(t, s, "web/simple/x/index.html")
	storetest.AssertMissing(t, s, "web/simple/y/index.html")
	if _, err := s.Open(t.Context(), "../bad"); err == nil {
		t.Fatal("a bad key opened")
	}
	if got := cache.StoreBytes("write") - w0; got != 5 {
		t.Errorf("written bytes %v, want 5", got)
	}
	if got := cache.StoreBytes("read") - r0; got != 5 {
		t.Errorf("read bytes %v, want 5", got)
	}
	if got := cache.StoreErrors("open") - e0; got != 1 {
		t.Errorf("open failures %v, want 1 (the bad key; a miss is no failure)", got)
	}
}
