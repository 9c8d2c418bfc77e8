package main

import (
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/proxy"
)

// upstreamLimitFlags bound what the upstream may cost: index requests in
// a slot pool of their own, and the size of one index response.
type upstreamLimitFlags struct {
	maxPages     int
	maxPageBytes sizeValue
}

func (l *upstreamLimitFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&l.maxPages, "max-concurrent-pages", 32,
		"upstream index requests (pages, JSON API, XML-RPC) in flight at most, in a pool of their own that downloads never use (0: unlimited)")
	l.maxPageBytes = 64 << 20
	fs.Var(&l.maxPageBytes, "max-page-size", "largest upstream index response read (e.g. 64MiB; PyPI's JSON root is ~35 MB and needs more); larger pages fail and are never stored")
}

// apply copies the limits into a machinery config.
func (l *upstreamLimitFlags) apply(cfg *machineryConfig) {
	cfg.maxPages, cfg.maxPageBytes = l.maxPages, int64(l.maxPageBytes)
}

// serverLimitFlags protect `serve` from hostile clients.
type serverLimitFlags struct {
	writeTimeout time.Duration
	maxConns     int
	maxConnsIP   int
	maxRanges    int
	publicURL    string
	headerWait   time.Duration
}

func (l *serverLimitFlags) register(fs *pflag.FlagSet) {
	fs.DurationVar(&l.writeTimeout, "write-timeout", time.Minute,
		"a client must take each 64 KiB of a response within this long (from its last progress, not the request's start), or lose the connection (negative: never)")
	fs.IntVar(&l.maxConns, "max-connections", 0,
		"client connections open at once; more are closed on accept (0: half the open-file limit, as a cached file served holds two descriptors)")
	fs.IntVar(&l.maxConnsIP, "max-connections-per-ip", 256, "client connections open at once from one address (0: unlimited)")
	fs.StringVar(&l.publicURL, "public-url", "", "the proxy's URL as clients reach it (https://pypi.internal), for absolute URLs in the JSON API; without it they follow the Host header and are not cacheable by shared caches")
	fs.DurationVar(&l.headerWait, "header-wait", 5*time.Second, "a file miss whose size the page gave sends its response headers after this long if upstream has not answered yet (pip gives up after 15 s of silence; negative: wait for upstream)")
	fs.IntVar(&l.maxRanges, "max-ranges", 16, "ranges one request may ask for; a request with more is answered with the whole file")
}

// server is the proxy's share of the limits.
func (l *serverLimitFlags) server() (proxy.Limits, error) {
	public, err := proxy.ParsePublicURL(l.publicURL)
	if err != nil {
		return proxy.Limits{}, usageErr("--public-url: %v", err)
	}
	return proxy.Limits{WriteTimeout: l.writeTimeout, MaxRanges: l.maxRanges, PublicURL: public, HeaderWait: l.headerWait}, nil
}

// conns is the listener's share, with --max-connections 0 resolved.
func (l *serverLimitFlags) conns() proxy.ConnLimits {
	limits := proxy.ConnLimits{Max: l.maxConns, PerIP: l.maxConnsIP}
	if limits.Max == 0 {
		var rl syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur > 64 && rl.Cur < 1<<31 {
			limits.Max = int(rl.Cur / 2)
		}
	}
	return limits
}
