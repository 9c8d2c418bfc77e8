package cache

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	storeOpSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pypi_proxy_store_operation_seconds",
		Help:    "Latency of cache store operations (open, stat, create, commit, delete, walk), by operation.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
	}, []string{"op"})
	storeOpErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_store_operation_errors_total",
		Help: "Cache store operations that failed, by operation (a missing object is not a failure).",
	}, []string{"op"})
	storeBytes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_store_bytes_total",
		Help: "Bytes written to and read from the cache store through its interface, by direction (reads handed to sendfile are not counted).",
	}, []string{"direction"})
)
