package upstream

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	upstreamRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_upstream_requests_total",
		Help: "HTTP requests sent upstream, by host and outcome (ok, not_modified, not_found, server_error, error, ...).",
	}, []string{"host", "outcome"})
	upstreamDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pypi_proxy_upstream_request_duration_seconds",
		Help:    "Time to upstream response headers, by host.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
	}, []string{"host"})
	upstreamInflight = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "pypi_proxy_upstream_inflight_requests",
		Help: "Upstream requests waiting for response headers.",
	})
	upstreamRetries = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_upstream_retries_total",
		Help: "Upstream requests retried after a retryable failure.",
	})
	upstreamBytes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_upstream_fetched_bytes_total",
		Help: "Body bytes read from upstream, by kind (page, file).",
	}, []string{"kind"})
)
