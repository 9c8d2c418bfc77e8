package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// leaseGate stands between one replica and MinIO: it passes every request
// until blocked, then answers 503 to the lease requests alone (objects
// under .locks/), so that replica's renewals fail while its uploads go on.
type leaseGate struct {
	URL     string
	blocked atomic.Bool
	refused atomic.Int64
}

func newLeaseGate(t *testing.T, endpoint string) *leaseGate {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	g := &leaseGate{}
	// The Host header passes unchanged (the replica signed its requests
	// for the gate's address, and MinIO checks them against it).
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.blocked.Load() && strings.Contains(r.URL.Path, "/.locks/") {
			g.refused.Add(1)
			http.Error(w, "lease requests blocked by the test", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// TestReplicaLeaseLost: a replica whose lease renewals stop reaching the
// bucket (its uploads still do) loses the file's lease after a TTL: its
// download is aborted and its client cut short, never given a complete
// copy, while the replica that took the lease over serves the whole file
// and publishes it, once.
func TestReplicaLeaseLost(t *testing.T) {
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{FilesBandwidth: 1 << 20})
	defer up.Close()
	data, path := bigFile(t, up, 12<<20)
	gate := newLeaseGate(t, c.srv.Endpoint)
	a := c.start(t, up, "--s3-lease-ttl", "3s", "--s3-endpoint", gate.URL)
	b := c.start(t, up, "--s3-lease-ttl", "3s")
	httpGet(t, a.URL+"/simple/bigone/")
	httpGet(t, b.URL+"/simple/bigone/")

	resp := readFirstMiB(t, a.URL+path)
	defer resp.Body.Close()
	gate.blocked.Store(true)
	other := make(chan []byte, 1)
	go func() { other <- readAll(b.URL + path) }()
	rest, _ := io.ReadAll(resp.Body)
	if 1<<20+len(rest) >= len(data) {
		t.Fatalf("replica a's client got the whole file though a lost its lease (%d lease requests refused)", gate.refused.Load())
	}
	// The request's log line comes when its handler returns, after the cut.
	waitFor(t, "replica a to log the lost lease", func() bool { return strings.Contains(a.Logs(), "lease lost") })
	if got := <-other; !bytes.Equal(got, data) {
		t.Fatalf("replica b's client got %d bytes, want the whole file", len(got))
	}
	key, err := cache.KeyForPackagePath(path)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := c.store.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("published object: %d bytes, %v; want the file", len(got), err)
	}
	if n := up.Requests(fakepypi.FilesHost, path); n != 2 {
		t.Errorf("upstream saw %d GETs of the file, want 2 (a's, aborted, and b's)", n)
	}
}
