package filter

import (
	"sync"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

// parsedVersion is versionKey's result.
type parsedVersion struct {
	key string
	ver pep440.Version
	ok  bool
}

// versionCache is a bounded map of parsed versions, emptied when full (the
// common versions come right back).
type versionCache struct {
	mu  sync.RWMutex
	m   map[string]parsedVersion
	max int
}

var versionMemo = &versionCache{max: 1 << 15}

func (c *versionCache) get(v string) (parsedVersion, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	pv, ok := c.m[v]
	return pv, ok
}

func (c *versionCache) put(v string, pv parsedVersion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]parsedVersion, 1024)
	}
	c.m[v] = pv
}
