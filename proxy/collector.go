package proxy

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exposes the state that lives in objects rather than in
// package-level counters: the in-memory page cache (ristretto's own
// metrics) and the file cache's size budget. The caller registers it once.
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
	descCacheBytes = prometheus.NewDesc("pypi_proxy_cache_files_bytes",
		"Bytes of distribution files in the cache.", nil, nil)
	descCacheFiles = prometheus.NewDesc("pypi_proxy_cache_files",
		"Distribution files in the cache.", nil, nil)
	descCacheEvictions = prometheus.NewDesc("pypi_proxy_cache_evictions_total",
		"Files evicted to keep the cache within --max-cache-size.", nil, nil)
	descCacheLimit = prometheus.NewDesc("pypi_proxy_cache_max_bytes",
		"The configured file cache size limit (0: unlimited).", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMemHits, descMemMisses, descMemEvicted, descMemBytes,
		descCacheBytes, descCacheFiles, descCacheEvictions, descCacheLimit} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if m := c.s.pages.mem.Metrics; m != nil {
		ch <- prometheus.MustNewConstMetric(descMemHits, prometheus.CounterValue, float64(m.Hits()))
		ch <- prometheus.MustNewConstMetric(descMemMisses, prometheus.CounterValue, float64(m.Misses()))
		ch <- prometheus.MustNewConstMetric(descMemEvicted, prometheus.CounterValue, float64(m.KeysEvicted()))
		ch <- prometheus.MustNewConstMetric(descMemBytes, prometheus.GaugeValue, float64(m.CostAdded()-m.CostEvicted()))
	}
	if b := c.s.cfg.Budget; b != nil {
		bytes, files, evictions := b.Stats()
		ch <- prometheus.MustNewConstMetric(descCacheBytes, prometheus.GaugeValue, float64(bytes))
		ch <- prometheus.MustNewConstMetric(descCacheFiles, prometheus.GaugeValue, float64(files))
		ch <- prometheus.MustNewConstMetric(descCacheEvictions, prometheus.CounterValue, float64(evictions))
		ch <- prometheus.MustNewConstMetric(descCacheLimit, prometheus.GaugeValue, float64(b.MaxBytes()))
	}
}
