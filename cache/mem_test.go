package cache_test

import (
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/cache/storetest"
)

func TestMemCompliance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cache.Store { return cache.NewMem() })
}
