package proxy

import (
	"io"
	"sync"
)

// streamBufs are the buffers of objects streamed from a remote store (S3):
// net/http's own copy moves 32 KiB per write, four times the syscalls
// and wakeups of a 256 KiB one for a large file.
var streamBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyStream copies a non-file body with a large pooled buffer.
func copyStream(dst io.Writer, src io.Reader) (int64, error) {
	bp := streamBufs.Get().(*[]byte)
	defer streamBufs.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{dst}, src, *bp)
}
