package proxy

import "github.com/pypi-proxy/pypi-proxy/proxy/index"

// Joined is the cache outcome of a file request that joined a download
// another request had started (one upstream fetch, several clients): the
// access log's cache=joined and the outcome label of
// pypi_proxy_cache_requests_total, so that misses count upstream fetches.
const Joined index.Outcome = "joined"
