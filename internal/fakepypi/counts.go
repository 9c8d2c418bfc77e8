package fakepypi

import (
	"strings"
	"sync"
)

// counter counts requests per host and exact path.
type counter struct {
	mu sync.Mutex
	m  [2]map[string]int
}

func (c *counter) add(h Host, path string) {
	c.mu.Lock()
	if c.m[h] == nil {
		c.m[h] = map[string]int{}
	}
	c.m[h][path]++
	c.mu.Unlock()
}

func (c *counter) sum(h Host, prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for p, k := range c.m[h] {
		if strings.HasPrefix(p, prefix) {
			n += k
		}
	}
	return n
}

// Requests returns how many requests host received whose URL path starts with pathPrefix
// ("" = all), faulted ones included, since New or the last ResetCounts.
func (u *Upstream) Requests(host Host, pathPrefix string) int {
	return u.counts.sum(host, pathPrefix)
}

// ResetCounts zeroes all request counts.
func (u *Upstream) ResetCounts() {
	u.counts.mu.Lock()
	u.counts.m = [2]map[string]int{}
	u.counts.mu.Unlock()
}

// Counts returns a copy of host's request counts by exact path, faulted requests included.
func (u *Upstream) Counts(host Host) map[string]int {
	u.counts.mu.Lock()
	defer u.counts.mu.Unlock()
	m := make(map[string]int, len(u.counts.m[host]))
	for p, n := range u.counts.m[host] {
		m[p] = n
	}
	return m
}
