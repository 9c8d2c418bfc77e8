package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// runtimeOverhead is the memory granted beyond --memory: the runtime,
// connections and their buffers, pages being refreshed, the size budget's
// index of files. Fixed: it does not grow with the number of projects.
const runtimeOverhead = 128 << 20

// applyMemoryLimit tells the garbage collector the process's memory goal,
// --memory plus a fixed overhead, so the heap's headroom does not double
// what the caches hold (GOGC alone lets the heap grow to twice the live
// data). GOMEMLIMIT set by the operator wins. It returns the limit set, 0
// for none.
func applyMemoryLimit(budget int64, log *slog.Logger) int64 {
	if os.Getenv("GOMEMLIMIT") != "" || budget <= 0 {
		return 0
	}
	limit := budget + runtimeOverhead
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit", "bytes", limit)
	return limit
}
