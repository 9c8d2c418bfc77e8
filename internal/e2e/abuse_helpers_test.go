package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// The abuse suite: the real binary against a hostile upstream and abusive
// clients, on loopback, every wait bounded. Each test names the attack of
// issue 12 it reproduces.

const demoWheel = "projectc-1.0-py3-none-any.whl"

// hostileSetup is a fake upstream with the demo projects and a proxy in
// front of it, started with extra flags.
func hostileSetup(t *testing.T, flags ...string) (*fakepypi.Upstream, *proxyProc) {
	t.Helper()
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	fakepypi.PublishDemo(up)
	args := append([]string{"--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir()}, flags...)
	return up, startProxy(t, args...)
}

// demoFilePath reads projectc's page through p (so the proxy knows the
// file) and returns the wheel's path and bytes.
func demoFilePath(t *testing.T, up *fakepypi.Upstream, p *proxyProc) (string, []byte) {
	t.Helper()
	if code, body := httpGet(t, p.URL+"/simple/projectc/"); code != 200 {
		t.Fatalf("projectc's page: %d %.200s", code, body)
	}
	data, path, _ := up.File("projectc", demoWheel)
	return path, data
}

// boundedGet fetches url within d; complete is false when the body was cut.
func boundedGet(t *testing.T, url string, d time.Duration, headers ...string) (code int, body string, complete bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err == nil
}

// internalService is a loopback service on a port that is none of the
// upstream's hosts, counting the requests it gets: the SSRF target.
func internalService(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "internal secrets")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}
