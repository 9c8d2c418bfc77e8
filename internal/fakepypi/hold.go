package fakepypi

import (
	"net/http"
	"strconv"
	"sync"
)

// Gate holds the requests a hold rule matches until Release: a test can
// wait for the moment a client is inside a fetch (Arrived) instead of
// guessing it with a timer.
type Gate struct {
	arrived     chan struct{}
	released    chan struct{}
	arriveOnce  sync.Once
	releaseOnce sync.Once
}

// Arrived is closed when the first matching request reaches the gate (for
// HoldBody: once the first half of its body has been sent).
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Release lets every held request (and every later one) through.
func (g *Gate) Release() { g.releaseOnce.Do(func() { close(g.released) }) }

// Hold adds a rule that holds requests to host whose path starts with
// prefix until the returned gate is released (or the client goes away, or
// the Upstream closes).
func (u *Upstream) Hold(host Host, prefix string) *Gate {
	return u.HoldFault(Fault{Host: host, PathPrefix: prefix, Kind: FaultHold})
}

// HoldBody is Hold with the status, the headers and the first half of the
// body sent before the wait: the client is mid-download until Release.
func (u *Upstream) HoldBody(host Host, prefix string) *Gate {
	return u.HoldFault(Fault{Host: host, PathPrefix: prefix, Kind: FaultHoldBody})
}

// HoldFault adds f, a FaultHold or FaultHoldBody rule (with any Times or
// After), and returns the gate its requests wait at.
func (u *Upstream) HoldFault(f Fault) *Gate {
	g := &Gate{arrived: make(chan struct{}), released: make(chan struct{})}
	f.gate = g
	u.SetFault(f)
	return g
}

// wait marks g arrived and blocks until it is released (true) or the
// client or the Upstream goes away (false). A nil gate is never released.
func (u *Upstream) wait(g *Gate, r *http.Request) bool {
	var released <-chan struct{}
	if g != nil {
		g.arriveOnce.Do(func() { close(g.arrived) })
		released = g.released
	}
	select {
	case <-released:
		return true
	case <-r.Context().Done():
	case <-u.done:
	}
	return false
}

// holdBody serves r through h with the second half of the body held at g.
// A cut-short wait leaves the response short of its Content-Length, which
// makes net/http close the connection.
func (u *Upstream) holdBody(g *Gate, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	rec := record(h, r)
	copyHeader(w.Header(), rec.Header())
	body := rec.Body.Bytes()
	if r.Method == http.MethodHead {
		w.WriteHeader(rec.Code)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	half := len(body) / 2
	w.Write(body[:half])
	http.NewResponseController(w).Flush()
	if u.wait(g, r) {
		w.Write(body[half:])
	}
}
