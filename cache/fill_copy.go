package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ErrTooLarge is a download whose body goes on past its declared size (or
// past FillerOptions.MaxUnknownSize when nothing declares one). Reads stop
// at the declared size: the excess never reaches the disk, the spool or a
// client.
var ErrTooLarge = errors.New("download larger than declared")

// limit is the most bytes a download of the given size (-1: unknown) may
// deliver.
func (f *Filler) limit(size int64) int64 {
	if size < 0 {
		return f.opts.MaxUnknownSize
	}
	return size
}

// copyBufs recycles the download buffers: a full sync is thousands of
// small files, and a fresh 256 KiB buffer each (zeroed by the runtime)
// was a tenth of its CPU time.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyChunks moves the body into dst and the download's spool, resetting
// the idle watchdog on every read. A chunk that would take the total past
// limit fails the copy before any of it is written: an upstream that sends
// more than it declared (chunked excess) fills neither disk nor spool.
func copyChunks(body io.Reader, d *Download, dst io.Writer, watchdog *time.Timer, idle time.Duration, limit int64) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	// Read at most one byte past the limit: enough to see the excess.
	body = io.LimitReader(body, limit+1)
	var total int64
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if total+int64(n) > limit {
				return total, fmt.Errorf("more than the %d bytes declared: %w", limit, ErrTooLarge)
			}
			watchdog.Reset(idle)
			if _, err := dst.Write(buf[:n]); err != nil {
				return total, err
			}
			if err := d.append(buf[:n]); err != nil {
				return total, err
			}
			total += int64(n)
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil && (errors.Is(rerr, context.Canceled) || errors.Is(rerr, context.DeadlineExceeded)) {
			return total, rerr // the download was stopped here (see why)
		}
		if rerr != nil {
			// The upstream body ended badly (cut, reset): a truncated
			// download, which the proxy answers 502, not an error of its own.
			return total, fmt.Errorf("upstream body after %d bytes: %w: %w", total, ErrTruncated, rerr)
		}
	}
}
