package cache

import "github.com/prometheus/client_golang/prometheus"

// Collector exposes the budget's state: the bytes and files it holds, its
// evictions and its limit. The caller registers it once.
func (b *Budget) Collector() prometheus.Collector { return budgetCollector{b} }

type budgetCollector struct{ b *Budget }

var (
	descCacheBytes = prometheus.NewDesc("pypi_proxy_cache_files_bytes",
		"Bytes of distribution files in the cache.", nil, nil)
	descCacheFiles = prometheus.NewDesc("pypi_proxy_cache_files",
		"Distribution files in the cache.", nil, nil)
	descCacheEvictions = prometheus.NewDesc("pypi_proxy_cache_evictions_total",
		"Files evicted to keep the cache within --max-cache-size.", nil, nil)
	descCacheLimit = prometheus.NewDesc("pypi_proxy_cache_max_bytes",
		"The configured file cache size limit (0: unlimited).", nil, nil)
)

func (budgetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCacheBytes, descCacheFiles, descCacheEvictions, descCacheLimit} {
		ch <- d
	}
}

func (c budgetCollector) Collect(ch chan<- prometheus.Metric) {
	bytes, files, evictions := c.b.Stats()
	ch <- prometheus.MustNewConstMetric(descCacheBytes, prometheus.GaugeValue, float64(bytes))
	ch <- prometheus.MustNewConstMetric(descCacheFiles, prometheus.GaugeValue, float64(files))
	ch <- prometheus.MustNewConstMetric(descCacheEvictions, prometheus.CounterValue, float64(evictions))
	ch <- prometheus.MustNewConstMetric(descCacheLimit, prometheus.GaugeValue, float64(c.b.MaxBytes()))
}
