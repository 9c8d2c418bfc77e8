package proxy

import (
	"strings"
	"testing"
	"time"
)

// TestReadyzProbesAgain: /readyz keeps a probe's result for 5s, then
// probes again, so an upstream that went away turns it to 503. The kept
// result is made 5s old by moving its time back, not by waiting.
func TestReadyzProbesAgain(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	resp, body := h.get("/readyz")
	if resp.StatusCode != 200 || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("/readyz with upstream up: %d %s", resp.StatusCode, body)
	}
	h.up.Close()
	h.srv.ready.mu.Lock()
	h.srv.ready.checked = h.srv.ready.checked.Add(-5 * time.Second)
	h.srv.ready.mu.Unlock()
	resp, body = h.get("/readyz")
	if resp.StatusCode != 503 || !strings.Contains(body, `"ready":false`) {
		t.Errorf("/readyz once the kept result expired, upstream down: %d %s", resp.StatusCode, body)
	}
	if resp, body := h.get("/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}
}
