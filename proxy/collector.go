package proxy

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exposes the state that lives in objects rather than in
// package-level counters: the in-memory page cache (ristretto's own
// metrics). The caller registers it once.
func (s *Server) Collector() prometheus.Collector { return &stateCollector{s: s} }

type stateCollector struct{ s *Server }

var (
	descMemHits = prometheus.NewDesc("pypi_proxy_memory_cache_hits_total",
		"Page lookups answered from memory (the page, or its descriptor).", nil, nil)
	descMemMisses = prometheus.NewDesc("pypi_proxy_memory_cache_misses_total",
		"Page lookups that read the page's sidecar from the tree.", nil, nil)
	descMemEvicted = prometheus.NewDesc("pypi_proxy_memory_cache_evictions_total",
		"Entries (pages, descriptors, renderings) evicted from memory for room.", nil, nil)
	descMemBytes = prometheus.NewDesc("pypi_proxy_memory_cache_bytes",
		"Bytes of pages, descriptors and renderings held in memory.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMemHits, descMemMisses, descMemEvicted, descMemBytes} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.s.index.MemoryStats()
	ch <- prometheus.MustNewConstMetric(descMemHits, prometheus.CounterValue, float64(m.Hits))
	ch <- prometheus.MustNewConstMetric(descMemMisses, prometheus.CounterValue, float64(m.Misses))
	ch <- prometheus.MustNewConstMetric(descMemEvicted, prometheus.CounterValue, float64(m.Evicted))
	ch <- prometheus.MustNewConstMetric(descMemBytes, prometheus.GaugeValue, float64(m.Bytes))

}
