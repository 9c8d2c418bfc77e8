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
		"Hits in the in-memory page cache (ristretto).", nil, nil)
	descMemMisses = prometheus.NewDesc("pypi_proxy_memory_cache_misses_total",
		"Misses in the in-memory page cache (ristretto).", nil, nil)
	descMemEvicted = prometheus.NewDesc("pypi_proxy_memory_cache_evictions_total",
		"Pages evicted from the in-memory page cache.", nil, nil)
	descMemBytes = prometheus.NewDesc("pypi_proxy_memory_cache_bytes",
		"Bytes of rendered pages held in memory.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMemHits, descMemMisses, descMemEvicted, descMemBytes} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if m := c.s.index.MemoryMetrics(); m != nil {
		ch <- prometheus.MustNewConstMetric(descMemHits, prometheus.CounterValue, float64(m.Hits()))
		ch <- prometheus.MustNewConstMetric(descMemMisses, prometheus.CounterValue, float64(m.Misses()))
		ch <- prometheus.MustNewConstMetric(descMemEvicted, prometheus.CounterValue, float64(m.KeysEvicted()))
		ch <- prometheus.MustNewConstMetric(descMemBytes, prometheus.GaugeValue, float64(m.CostAdded()-m.CostEvicted()))
	}

}
