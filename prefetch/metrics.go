package prefetch

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	lastSerialGauge = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "pypi_proxy_prefetch_last_serial",
		Help: "Last upstream serial the mirror has fully synced (its status file).",
	})
	upstreamSerialGauge = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "pypi_proxy_prefetch_upstream_serial",
		Help: "Upstream's last serial when the last sync pass started.",
	})
	lagGauge = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "pypi_proxy_prefetch_lag",
		Help: "Serials the mirror is behind upstream (upstream serial - last synced serial).",
	})
	projectsSynced = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_prefetch_projects_synced_total",
		Help: "Projects synced (refreshed, removed or dropped by the filters).",
	})
	filesSynced = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_prefetch_files_synced_total",
		Help: "Files and metadata files downloaded by the mirror.",
	})
	failures = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_prefetch_failures_total",
		Help: "Mirror failures by stage (changelog, project, file).",
	}, []string{"stage"})
	syncDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "pypi_proxy_prefetch_sync_duration_seconds",
		Help:    "Duration of a mirror sync pass.",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 16),
	})
)

// setSerials updates the serial gauges.
func setSerials(synced, upstream int64) {
	lastSerialGauge.Set(float64(synced))
	upstreamSerialGauge.Set(float64(upstream))
	lagGauge.Set(float64(max(upstream-synced, 0)))
	lastUpstreamSerial.Store(upstream)
}
