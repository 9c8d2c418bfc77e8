package index

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// pausedOpen pauses the first Open of key once armed, after the store has
// answered: the caller holds that answer while the test moves on.
type pausedOpen struct {
	cache.Store
	key            string
	armed          *atomic.Bool
	opened, resume chan struct{}
}

func (p pausedOpen) Open(ctx context.Context, key string) (cache.Object, error) {
	obj, err := p.Store.Open(ctx, key)
	if key == p.key && p.armed.CompareAndSwap(true, false) {
		close(p.opened)
		<-p.resume
	}
	return obj, err
}

// TestNoSecondFetchWhenAFlightJustEnded: a client that found no page just
// before another client's refresh stored it, and asks once that refresh
// has ended, is answered from it; it does not fetch the page upstream
// again (bench/storm.sh saw a page fetched twice by 50 cold clients).
func TestNoSecondFetchWhenAFlightJustEnded(t *testing.T) {
	armed := &atomic.Bool{}
	opened, resume := make(chan struct{}), make(chan struct{})
	// The legacy index.html is the last copy a page check looks for.
	last := cache.ProjectPageKey("projecta", cache.PageHTML)
	ts := newTestService(t, func(s cache.Store) cache.Store {
		return pausedOpen{Store: s, key: last, armed: armed, opened: opened, resume: resume}
	})
	gate := ts.up.Hold(fakepypi.IndexHost, "/simple/projecta/")
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, _, err := ts.svc.Project(ctx, "projecta", false)
		first <- err
	}()
	<-gate.Arrived() // the first client's refresh is upstream
	armed.Store(true)
	type answer struct {
		p   *Page
		o   Outcome
		err error
	}
	second := make(chan answer, 1)
	go func() {
		p, o, err := ts.svc.Project(ctx, "projecta", false)
		second <- answer{p, o, err}
	}()
	<-opened // the second client found nothing: no page yet
	gate.Release()
	if err := <-first; err != nil { // the refresh stored the page, and its flight ended
		t.Fatalf("first client: %v", err)
	}
	close(resume)
	a := <-second
	if a.err != nil || a.p == nil || a.o != Hit {
		t.Fatalf("second client: page %v, outcome %q, err %v; want the stored page, a hit", a.p != nil, a.o, a.err)
	}
	if n := ts.up.Requests(fakepypi.IndexHost, "/simple/projecta/"); n != 1 {
		t.Errorf("the page was fetched upstream %d times, want once", n)
	}
}
