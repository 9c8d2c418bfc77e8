package proxy

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	httpRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_http_requests_total",
		Help: "Requests served, by route class, method and status code.",
	}, []string{"route", "method", "code"})
	httpDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pypi_proxy_http_request_duration_seconds",
		Help:    "Time to serve a request, by route class.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 3, 12),
	}, []string{"route"})
	httpBytes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_http_response_bytes_total",
		Help: "Response body bytes served, by route class.",
	}, []string{"route"})
	cacheOutcomes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_cache_requests_total",
		Help: "Cache outcomes by route class: hit, miss, revalidated, stale, offline.",
	}, []string{"route", "outcome"})
	staleServed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_stale_served_total",
		Help: "Responses served from a stale copy because upstream failed, by kind.",
	}, []string{"kind"})
	staleSerials = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_stale_serial_pages_total",
		Help: "Upstream pages refused because their serial was below the stored page's.",
	})
	coalescedWaiters = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_coalesced_requests_total",
		Help: "Requests that shared another request's upstream fetch, by kind.",
	}, []string{"kind"})
	downloadFailures = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_download_failures_total",
		Help: "Upstream file downloads that failed and published nothing, by reason (hash_mismatch, truncated, stalled, ...).",
	}, []string{"reason"})
	storeErrors = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_store_errors_total",
		Help: "Failed writes to the cache store (e.g. disk full).",
	})
)
