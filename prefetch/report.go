package prefetch

import "sync/atomic"

// lastUpstreamSerial is the upstream serial the last pass of this process
// saw (serve --prefetch's status page shows the lag from it).
var lastUpstreamSerial atomic.Int64

// UpstreamSerial is the upstream serial the last mirror pass of this
// process saw, and false when none has run.
func UpstreamSerial() (int64, bool) {
	n := lastUpstreamSerial.Load()
	return n, n > 0
}
