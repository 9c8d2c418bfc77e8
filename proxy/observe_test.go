package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAccessLogAndRequestID(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var buf syncBuffer
	h.srv.log = slog.New(slog.NewJSONHandler(&buf, nil))
	resp, _ := h.get("/simple/projecta/", pipAccept, "X-Request-Id: abc123")
	if got := resp.Header.Get("X-Request-Id"); got != "abc123" {
		t.Errorf("X-Request-Id echoed as %q", got)
	}
	resp, _ = h.get("/simple/projecta/", pipAccept)
	if len(resp.Header.Get("X-Request-Id")) != 16 {
		t.Errorf("no generated request ID: %q", resp.Header.Get("X-Request-Id"))
	}
	// A line is written when the handler returns, which can be after the
	// client has the whole response.
	waitFor(t, "the access-log lines", func() bool { return strings.Count(buf.String(), "\n") >= 2 })
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 access-log lines, got %d:\n%s", len(lines), buf.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"method", "path", "status", "bytes", "duration", "cache", "upstream", "request_id"} {
		if _, ok := first[k]; !ok {
			t.Errorf("access log lacks %q: %s", k, lines[0])
		}
	}
	if first["cache"] != "miss" || first["request_id"] != "abc123" || first["upstream"].(float64) <= 0 {
		t.Errorf("access log fields: %s", lines[0])
	}
}

// Without an access log a client's request ID is still echoed, but none is
// made up: it would lead to no log line.
func TestRequestIDWithoutAccessLog(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.srv.log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	resp, _ := h.get("/simple/projecta/", pipAccept, "X-Request-Id: abc123")
	if got := resp.Header.Get("X-Request-Id"); got != "abc123" {
		t.Errorf("X-Request-Id echoed as %q", got)
	}
	resp, _ = h.get("/simple/projecta/", pipAccept)
	if got, ok := resp.Header["X-Request-Id"]; ok {
		t.Errorf("request ID %q made up with no access log to lead to", got)
	}
}

// A page hit (gzip, one index, no access log) sets at most 8 headers: a
// ninth makes net/http grow, then clone, a large map on every request.
func TestPageHitHeaderCount(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.srv.log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h.get("/simple/projecta/", pipAccept)
	resp, _ := h.get("/simple/projecta/", pipAccept, "Accept-Encoding: gzip")
	if resp.Header.Get("X-Cache") != "HIT" || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("want a gzip hit, got %v", resp.Header)
	}
	if _, ok := resp.Header["X-Pypi-Proxy-Index"]; ok {
		t.Error("X-PyPI-Proxy-Index sent with one index: there is nothing to tell apart")
	}
	set := len(resp.Header) - 1 // Date is net/http's, written without the map
	if set > 8 {
		t.Errorf("a page hit sets %d headers, want at most 8: %v", set, resp.Header)
	}
}

// An error answer carries no X-Cache (a page hidden from the caller must
// look like one that does not exist), but its access-log line and metrics
// keep the outcome the handler recorded.
func TestErrorAnswerOutcome(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: index.Config{Offline: true}})
	var buf syncBuffer
	h.srv.log = slog.New(slog.NewJSONHandler(&buf, nil))
	resp, _ := h.get("/simple/projecta/", pipAccept)
	if resp.StatusCode < 400 {
		t.Fatalf("offline and nothing cached: status %d", resp.StatusCode)
	}
	if got, ok := resp.Header["X-Cache"]; ok {
		t.Errorf("error answer with X-Cache %q", got)
	}
	waitFor(t, "the access-log line", func() bool { return strings.Contains(buf.String(), `"msg":"request"`) })
	var line map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line["cache"] != "offline" || line["status"].(float64) != float64(resp.StatusCode) {
		t.Errorf("access log: %s", buf.String())
	}
}
