package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
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

// TestAccessLogAndRequestID: every request has its access-log line and an
// ID: the client's, echoed, else one made up, which an error answer (the
// one worth finding in the log) carries back and a hit does not.
func TestAccessLogAndRequestID(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var buf syncBuffer
	h.srv.log = slog.New(slog.NewJSONHandler(&buf, nil))
	checkHitRequestIDs(t, h)
	resp, _ := h.get("/simple/no-such-project/", pipAccept)
	errorID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusNotFound || len(errorID) != 16 {
		t.Errorf("error answer %d with request ID %q, want 404 with a made-up one", resp.StatusCode, errorID)
	}
	// A line is written when the handler returns, which can be after the
	// client has the whole response.
	waitFor(t, "the access-log lines", func() bool { return strings.Count(buf.String(), "\n") >= 3 })
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 access-log lines, got %d:\n%s", len(lines), buf.String())
	}
	var logged [3]map[string]any
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &logged[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"method", "path", "status", "bytes", "duration", "cache", "upstream", "request_id"} {
		if _, ok := logged[0][k]; !ok {
			t.Errorf("access log lacks %q: %s", k, lines[0])
		}
	}
	if first := logged[0]; first["cache"] != "miss" || first["request_id"] != "abc123" || first["upstream"].(float64) <= 0 {
		t.Errorf("access log fields: %s", lines[0])
	}
	if id, _ := logged[1]["request_id"].(string); len(id) != 16 {
		t.Errorf("the hit's line has request ID %q, want a made-up one", id)
	}
	if logged[2]["request_id"] != errorID {
		t.Errorf("the error's line has request ID %v, its answer %q", logged[2]["request_id"], errorID)
	}
}

// checkHitRequestIDs: a client's request ID is echoed (the first request,
// a miss); a hit without one carries none.
func checkHitRequestIDs(t *testing.T, h *harness) {
	t.Helper()
	resp, _ := h.get("/simple/projecta/", pipAccept, "X-Request-Id: abc123")
	if got := resp.Header.Get("X-Request-Id"); got != "abc123" {
		t.Errorf("X-Request-Id echoed as %q", got)
	}
	resp, _ = h.get("/simple/projecta/", pipAccept)
	if got, ok := resp.Header["X-Request-Id"]; ok {
		t.Errorf("a hit carries a made-up request ID %q", got)
	}
}

// Without an access log a client's request ID is still echoed, but none is
// made up, not even for an error answer: it would lead to no log line.
func TestRequestIDWithoutAccessLog(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.srv.log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	checkHitRequestIDs(t, h)
	resp, _ := h.get("/simple/no-such-project/", pipAccept)
	if got, ok := resp.Header["X-Request-Id"]; ok || resp.StatusCode != http.StatusNotFound {
		t.Errorf("error answer %d with request ID %q and no access log to lead to", resp.StatusCode, got)
	}
}

// A page hit (gzip, one index) sets at most 8 headers, with or without
// the access log: a ninth makes net/http grow, then clone, a large map on
// every request.
func TestPageHitHeaderCount(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		h := newHarness(t, harnessOpts{})
		h.srv.log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))
		h.get("/simple/projecta/", pipAccept)
		resp, _ := h.get("/simple/projecta/", pipAccept, "Accept-Encoding: gzip")
		if resp.Header.Get("X-Cache") != "HIT" || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("log level %v: want a gzip hit, got %v", level, resp.Header)
		}
		if _, ok := resp.Header["X-Pypi-Proxy-Index"]; ok {
			t.Errorf("log level %v: X-PyPI-Proxy-Index sent with one index: there is nothing to tell apart", level)
		}
		set := len(resp.Header) - 1 // Date is net/http's, written without the map
		if set > 8 {
			t.Errorf("log level %v: a page hit sets %d headers, want at most 8: %v", level, set, resp.Header)
		}
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
