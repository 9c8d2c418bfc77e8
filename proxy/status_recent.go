package proxy

import (
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// recentDownloads is how many file requests the status page lists.
const recentDownloads = 15

// activity is what the status page tells of the traffic since start: the
// cache outcomes of page and file requests (the hit ratio) and the last
// file downloads.
type activity struct {
	requests, hits atomic.Int64

	mu     sync.Mutex
	recent []download // newest last, at most recentDownloads
}

// download is one file request, for the status page.
type download struct {
	File     string        `json:"file"`
	Bytes    int64         `json:"bytes"`
	Cache    string        `json:"cache"`
	At       time.Time     `json:"at"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
}

// record counts one observed request.
func (a *activity) record(route string, o index.Outcome, urlPath string, status int, bytes int64, took time.Duration) {
	if o == "" {
		return
	}
	a.requests.Add(1)
	if o == index.Hit {
		a.hits.Add(1)
	}
	if route != routeFile || status >= 400 {
		return
	}
	d := download{File: path.Base(urlPath), Bytes: bytes, Cache: string(o), At: time.Now().UTC(), Duration: took, Seconds: took.Seconds()}
	a.mu.Lock()
	a.recent = append(a.recent, d)
	if len(a.recent) > recentDownloads {
		a.recent = a.recent[len(a.recent)-recentDownloads:]
	}
	a.mu.Unlock()
}

// last returns the recent downloads, newest first.
func (a *activity) last() []download {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]download, 0, len(a.recent))
	for i := len(a.recent) - 1; i >= 0; i-- {
		out = append(out, a.recent[i])
	}
	return out
}

// hitRatio is hits / requests, and whether there were any.
func (a *activity) hitRatio() (float64, int64) {
	n := a.requests.Load()
	if n == 0 {
		return 0, 0
	}
	return float64(a.hits.Load()) / float64(n), n
}
