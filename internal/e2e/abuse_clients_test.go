package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// waitMetric polls /metrics until name (with labels) reaches at least want;
// bounded, it waits for the event the metric records.
func waitMetric(t *testing.T, p *proxyProc, want float64, name string, labels ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s%v to reach %v", name, labels, want), func() bool {
		_, metrics := httpGet(t, p.URL+"/metrics")
		return metricValue(t, metrics, name, labels...) >= want
	})
}

// rawRequest opens a connection with a small receive buffer and sends a GET.
func rawRequest(t *testing.T, p *proxyProc, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: proxy\r\n\r\n")
	return c
}

// TestAbuseSlowAndManyClients: a client that never reads a large file loses
// its connection after --write-timeout; an address over
// --max-connections-per-ip has its extra connections closed.
func TestAbuseSlowAndManyClients(t *testing.T) {
	up, p := hostileSetup(t, "--write-timeout", "500ms", "--max-connections-per-ip", "4")
	data := bytes.Repeat([]byte("0123456789abcdef"), 512<<10)
	up.AddFile("bigproj", "1.0", "bigproj-1.0.tar.gz", data)
	httpGet(t, p.URL+"/simple/bigproj/")
	_, path, _ := up.File("bigproj", "bigproj-1.0.tar.gz")
	if code, body, _ := boundedGet(t, p.URL+path, 30*time.Second); code != 200 || len(body) != len(data) {
		t.Fatalf("caching the big file: %d, %d bytes", code, len(body))
	}
	_, metrics := httpGet(t, p.URL+"/metrics")
	before := metricValue(t, metrics, "pypi_proxy_http_requests_total", `route="file"`)

	start := time.Now()
	stalled := rawRequest(t, p, path) // never read
	waitMetric(t, p, before+1, "pypi_proxy_http_requests_total", `route="file"`)
	stalled.SetReadDeadline(time.Now().Add(3 * time.Second)) // the kernel may trickle out what it had buffered
	t.Logf("the stalled request ended after %s", time.Since(start))
	n, _ := io.Copy(io.Discard, stalled)
	t.Logf("read %d bytes after it, %s", n, time.Since(start))
	if n >= int64(len(data)) {
		t.Errorf("a client that never read got the whole file (%d bytes) anyway", n)
	}

	var held []net.Conn
	for range 4 {
		held = append(held, rawRequest(t, p, "/healthz"))
	}
	extra := rawRequest(t, p, "/healthz")
	extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, _ := io.ReadAll(extra); len(b) > 0 {
		t.Errorf("a 5th connection from one address was served: %.80q", b)
	}
	resp, err := http.ReadResponse(bufio.NewReader(held[0]), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("a connection within the cap: %v", err)
	}
}

// TestAbuseRangesAndHost: bytes=-0, a thousand one-byte ranges, and a
// forged Host header in the JSON API.
func TestAbuseRangesAndHost(t *testing.T) {
	up, p := hostileSetup(t)
	path, data := demoFilePath(t, up, p)
	httpGet(t, p.URL+path)
	if code, _, _ := boundedGet(t, p.URL+path, 10*time.Second, "Range", "bytes=-0"); code != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("bytes=-0: %d, want 416", code)
	}
	many := "bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 1000), ",")
	if _, body, _ := boundedGet(t, p.URL+path, 10*time.Second, "Range", many); len(body) > len(data) {
		t.Errorf("1000 one-byte ranges: %d bytes for a %d-byte file", len(body), len(data))
	}
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/pypi/projectc/json", nil)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "evil.example") && strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Errorf("a forged Host in URLs served with Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
}
