package proxy

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
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
