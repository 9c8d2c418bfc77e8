package fakepypi

import (
	"net/http"
	"sync"
)

// Gate holds the requests a Hold rule matches until Release: a test can
// wait for the moment a client is inside a fetch (Arrived) instead of
// guessing it with a timer.
type Gate struct {
	arrived     chan struct{}
	released    chan struct{}
	arriveOnce  sync.Once
	releaseOnce sync.Once
}

// Arrived is closed when the first matching request reaches the gate.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Release lets every held request (and every later one) through.
func (g *Gate) Release() { g.releaseOnce.Do(func() { close(g.released) }) }

// Hold adds a rule that holds requests to host whose path starts with
// prefix until the returned gate is released (or the client goes away, or
// the Upstream closes).
func (u *Upstream) Hold(host Host, prefix string) *Gate {
	g := &Gate{arrived: make(chan struct{}), released: make(chan struct{})}
	u.SetFault(Fault{Host: host, PathPrefix: prefix, Kind: FaultHold, gate: g})
	return g
}

// hold waits at g, then serves r through h unless the wait was cut short.
func (u *Upstream) hold(g *Gate, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	g.arriveOnce.Do(func() { close(g.arrived) })
	select {
	case <-g.released:
		h(w, r)
	case <-r.Context().Done():
	case <-u.done:
	}
}
