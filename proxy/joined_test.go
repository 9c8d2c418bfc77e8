package proxy

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestAccessLogJoinedAndUpstreamTime: a file miss logs the upstream time
// of the whole download (not the time to its first bytes), and a request
// that joined another's download says cache=joined (X-Cache: JOINED).
func TestAccessLogJoinedAndUpstreamTime(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{FilesBandwidth: 8 << 10})
	t.Cleanup(up.Close)
	up.AddFile("big", "1.0", "big-1.0.tar.gz", bytes.Repeat([]byte("0123456789abcdef"), 256)) // 4 KiB
	h := newHarness(t, harnessOpts{up: up})
	var buf syncBuffer
	h.srv.log = slog.New(slog.NewJSONHandler(&buf, nil))
	var path string
	for _, link := range h.fileLinks("big") {
		if strings.HasSuffix(link, ".tar.gz") || strings.Contains(link, ".tar.gz#") {
			path = filePath(link)
		}
	}
	gate := up.Hold(fakepypi.FilesHost, "/packages/")
	before := joinedFiles(t)
	var wg sync.WaitGroup
	xcache := make([]string, 2)
	get := func(i int) {
		defer wg.Done()
		resp, _ := h.get(path)
		xcache[i] = resp.Header.Get("X-Cache")
	}
	wg.Add(2)
	go get(0)
	<-gate.Arrived() // the first request is inside the upstream fetch
	go get(1)
	waitJoined(t, before, 1) // the second has joined it
	gate.Release()
	wg.Wait()
	if !(xcache[0] == "MISS" && xcache[1] == "JOINED") {
		t.Errorf("X-Cache %v, want MISS then JOINED", xcache)
	}
	outcomes := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(buf.b.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["path"] == path {
			outcomes[rec["cache"].(string)] = rec
		}
	}
	miss, joined := outcomes["miss"], outcomes["joined"]
	if miss == nil || joined == nil {
		t.Fatalf("want a miss and a joined line:\n%s", buf.b.String())
	}
	// At 8 KiB/s the body takes most of the request: the upstream time
	// must cover it.
	if u, d := miss["upstream"].(float64), miss["duration"].(float64); u < d/2 {
		t.Errorf("miss: upstream %v of a %v request: only the time to the first bytes", time.Duration(u), time.Duration(d))
	}
}
