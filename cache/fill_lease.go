package cache

import (
	"context"
	"fmt"
)

// holdLease guards a download with the lease claim took: it returns the
// function that gives the lease up when the download ends.
//
// The rule when the lease is lost while the download runs (its renewals
// failed for a whole TTL, another replica took it over, or its object was
// removed): the download is aborted, with an error wrapping ErrLeaseLost.
// Its temp object is discarded, nothing is published, and its clients get
// the error (a response already begun is cut short: the last byte is held
// back until the hash checks out, so none gets a complete copy from it). Another replica may
// hold the lease by then and be downloading the same file: a holder
// without its lease must not publish over that one's object (replacing an
// object fails the clients reading it), nor keep fetching what another
// fetches. The worst case stays a second download of the same verified
// bytes. The one window left: a loss that comes while the publishing
// request itself is in flight may still publish the same verified bytes
// twice.
//
// Release runs after the watcher has stopped (Release closes Lost too),
// and a lost lease's Release deletes nothing: the new holder's lease
// object stays.
func (f *Filler) holdLease(ctx context.Context, cancel context.CancelCauseFunc, key string, l Lease) (release func()) {
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-l.Lost():
			cancel(fmt.Errorf("%s: %w (another replica may be downloading it): nothing published", key, ErrLeaseLost))
		case <-stop:
		}
	}()
	return func() {
		close(stop)
		<-stopped
		_ = l.Release(context.WithoutCancel(ctx))
	}
}
