package index

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
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
	revalidations = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_page_revalidations_total",
		Help: "Page refreshes that upstream answered with the version already held (304 or the same bytes): nothing parsed, rendered or written.",
	})
	brotliMade = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_page_brotli_compressions_total",
		Help: "Brotli copies of pages made on demand: the first request that takes br for a page version, or one after memory let the copy go.",
	})
	storeErrors = promauto.NewCounter(prometheus.CounterOpts{
		Name: "pypi_proxy_store_errors_total",
		Help: "Failed writes to the cache store (e.g. disk full).",
	})
	metadataExtractions = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "pypi_proxy_metadata_extractions_total",
		Help: "PEP 658 metadata files extracted from cached wheels whose page offered none, by result (extracted, failed, dropped).",
	}, []string{"result"})
)
