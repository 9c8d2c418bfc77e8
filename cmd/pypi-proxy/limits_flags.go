package main

import "github.com/spf13/pflag"

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
