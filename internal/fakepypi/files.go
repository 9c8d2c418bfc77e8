package fakepypi

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// serveFiles serves /packages/... with the exact bytes, range support and immutable caching;
// "<file path>.metadata" serves the PEP 658 metadata where advertised.
func (u *Upstream) serveFiles(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	path := r.URL.Path
	u.mu.RLock()
	f := u.files[path]
	var data []byte
	var hash string
	if f != nil {
		data, hash = f.data, f.sha256
	} else if mf := u.files[strings.TrimSuffix(path, ".metadata")]; mf != nil && strings.HasSuffix(path, ".metadata") && mf.metadata != nil {
		f, data, hash = mf, mf.metadata, mf.metaSHA256
	}
	u.mu.RUnlock()
	if f == nil {
		notFound(w)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", "max-age=365000000, immutable, public")
	h.Set("ETag", `"`+hash[:32]+`"`)
	h.Set("Accept-Ranges", "bytes")
	if bw := u.opts.FilesBandwidth; bw > 0 && r.Method != http.MethodHead {
		w = newThrottled(w, r, bw, u.done)
	}
	http.ServeContent(w, r, "", f.uploadTime, bytes.NewReader(data))
}

// throttledWriter paces body writes to a byte rate, flushing each chunk.
type throttledWriter struct {
	http.ResponseWriter
	r     *http.Request
	rate  int64
	chunk int
	start time.Time
	sent  int64
	done  <-chan struct{}
}

func newThrottled(w http.ResponseWriter, r *http.Request, rate int64, done <-chan struct{}) *throttledWriter {
	chunk := int(min(max(rate/20, 1), 32<<10))
	return &throttledWriter{ResponseWriter: w, r: r, rate: rate, chunk: chunk, start: time.Now(), done: done}
}

// Write sends p in chunks, sleeping so that sent bytes never run ahead of rate*elapsed
// (with one chunk of burst).
func (t *throttledWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := min(len(p), t.chunk)
		due := t.start.Add(time.Duration(float64(t.sent+int64(c)-int64(t.chunk)) / float64(t.rate) * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			timer := time.NewTimer(d)
			select {
			case <-timer.C:
			case <-t.r.Context().Done():
				timer.Stop()
				return n, t.r.Context().Err()
			case <-t.done:
				timer.Stop()
				return n, http.ErrAbortHandler
			}
		}
		k, err := t.ResponseWriter.Write(p[:c])
		n += k
		t.sent += int64(k)
		if err != nil {
			return n, err
		}
		http.NewResponseController(t.ResponseWriter).Flush()
		p = p[c:]
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (t *throttledWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
