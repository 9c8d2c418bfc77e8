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
	refusedConns = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_refused_connections_total",
		Help: "Client connections closed at once for going over --max-connections or --max-connections-per-ip.",
	})
)
