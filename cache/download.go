package cache

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
)

// Download is one fetch in flight. Any number of readers follow it as the
// bytes arrive. The last byte is held back until the hash has checked out,
// so no client ever receives a complete copy of a bad file.
type Download struct {
	key   string
	spool *os.File
	ready chan struct{} // closed once the size is known or the fetch failed
	done  chan struct{} // closed when finished

	mu       sync.Mutex
	cond     *sync.Cond
	size     int64
	written  int64
	finished bool
	err      error
	refs     int
	// cancel aborts the fetch (set by run); abandoned records a request
	// to abort that came before it was set.
	cancel    context.CancelCauseFunc
	abandoned bool
}

func newDownload(key string, spool *os.File, size int64) *Download {
	d := &Download{key: key, spool: spool, size: size, ready: make(chan struct{}), done: make(chan struct{})}
	d.cond = sync.NewCond(&d.mu)
	return d
}

// Ready is closed when Size is known or the download has failed.
func (d *Download) Ready() <-chan struct{} { return d.ready }

// Done is closed when the download has finished, well or not.
func (d *Download) Done() <-chan struct{} { return d.done }

// Streaming reports whether readers can follow the bytes as they arrive;
// otherwise they wait for Done and read the published object.
func (d *Download) Streaming() bool { return d.spool != nil }

// Size is the object's size, or -1 while unknown.
func (d *Download) Size() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.size
}

// Err is the download's error; nil while running and after success.
func (d *Download) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Written is how many bytes have arrived so far (all of them once Done).
func (d *Download) Written() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.written
}

func (d *Download) setSize(n int64) {
	d.mu.Lock()
	d.size = n
	d.mu.Unlock()
	close(d.ready)
}

func (d *Download) append(p []byte) error {
	if d.spool != nil {
		if _, err := d.spool.WriteAt(p, d.written); err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.written += int64(len(p))
	d.mu.Unlock()
	d.cond.Broadcast()
	return nil
}

func (d *Download) finish(err error) {
	d.mu.Lock()
	d.finished, d.err = true, err
	d.mu.Unlock()
	select {
	case <-d.ready:
	default:
		close(d.ready)
	}
	close(d.done)
	d.cond.Broadcast()
}

func (d *Download) setCancel(cancel context.CancelCauseFunc) {
	d.mu.Lock()
	d.cancel = cancel
	abandoned := d.abandoned
	d.mu.Unlock()
	if abandoned {
		cancel(errAbandoned)
	}
}

// cancelUnlessShared aborts the download when nobody but its starter and
// its runner holds it (the starter gave up; nobody else waits for it).
func (d *Download) cancelUnlessShared() {
	d.mu.Lock()
	if d.refs > 2 {
		d.mu.Unlock()
		return
	}
	cancel := d.cancel
	d.abandoned = cancel == nil
	d.mu.Unlock()
	if cancel != nil {
		cancel(errAbandoned)
	}
}

func (d *Download) acquire() {
	d.mu.Lock()
	d.refs++
	d.mu.Unlock()
}

func (d *Download) release() {
	d.mu.Lock()
	d.refs--
	last := d.refs == 0
	d.mu.Unlock()
	if last && d.spool != nil {
		d.spool.Close()
	}
}

// Reader returns a reader of the download from its first byte; Close it.
// The reference taken by Filler.Stream belongs to the first Reader or Close.
func (d *Download) Reader() *DownloadReader { return &DownloadReader{d: d} }

// Release drops the reference Filler.Stream gave the caller, when no Reader
// is made from it.
func (d *Download) Release() { d.release() }

// DownloadReader reads a download as it arrives. It implements
// io.ReadSeeker (for http.ServeContent, once the size is known).
type DownloadReader struct {
	d      *Download
	off    int64
	closed bool
}

// errSizeUnknown is returned by Seek from the end before the size is known.
var errSizeUnknown = errors.New("download size unknown")

// Read blocks until bytes at the offset are available or the download ends.
func (r *DownloadReader) Read(p []byte) (int, error) {
	d := r.d
	d.mu.Lock()
	for !d.finished && d.written-1 <= r.off {
		d.cond.Wait()
	}
	avail := d.written - r.off
	if d.size >= 0 {
		avail = min(avail, d.size-r.off) // never past the declared size
	}
	if !d.finished || d.err != nil {
		// The safe rule for the last bytes: the final byte is held back
		// until the whole body is verified, so a client never receives a
		// complete body that fails the hash (its response is cut short).
		avail = min(avail, d.written-1-r.off)
	}
	err := d.err
	d.mu.Unlock()
	if avail <= 0 {
		if err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	n, rerr := d.spool.ReadAt(p[:min(int64(len(p)), avail)], r.off)
	r.off += int64(n)
	if rerr == io.EOF && n > 0 {
		rerr = nil
	}
	return n, rerr
}

// Seek implements io.Seeker.
func (r *DownloadReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		size := r.d.Size()
		if size < 0 {
			return 0, errSizeUnknown
		}
		offset += size
	}
	if offset < 0 {
		return 0, errors.New("negative offset")
	}
	r.off = offset
	return offset, nil
}

// Close releases the reader's hold on the spool.
func (r *DownloadReader) Close() error {
	if !r.closed {
		r.closed = true
		r.d.release()
	}
	return nil
}
