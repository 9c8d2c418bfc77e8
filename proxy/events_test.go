package proxy

import (
	"bytes"
	"net/http"
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pypi-proxy/pypi-proxy/internal/wait"
)

// waitFor polls cond until it holds (the deadline only stops a hang).
func waitFor(t *testing.T, what string, cond func() bool) { t.Helper(); wait.For(t, what, cond) }

// joinedFiles is how many file requests have joined a download in flight
// so far (the process-wide coalesced-requests counter, which the index
// package registers with the default registry).
func joinedFiles(t *testing.T) int {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "pypi_proxy_coalesced_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == "file" {
					return int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return 0
}

// waitJoined waits until n more file requests than before have joined a
// download in flight.
func waitJoined(t *testing.T, before, n int) {
	t.Helper()
	waitFor(t, "requests to join the download", func() bool { return joinedFiles(t) >= before+n })
}

// waitParked waits until n goroutines are inside every one of the given
// functions (stack frames such as "singleflight.(*Group).Do("): the way to
// know that concurrent requests all reached a point where they block
// without a hook of their own.
func waitParked(t *testing.T, n int, frames ...string) {
	t.Helper()
	waitFor(t, "goroutines to park", func() bool { return goroutinesIn(frames...) >= n })
}

// goroutinesIn counts the goroutines whose stack has every frame.
func goroutinesIn(frames ...string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		all := true
		for _, f := range frames {
			all = all && bytes.Contains(g, []byte(f))
		}
		if all {
			count++
		}
	}
	return count
}

// reply is a response and its body, or the error that prevented them.
type reply struct {
	resp *http.Response
	body string
	err  error
}

// goDo sends the request from its own goroutine; the channel gets the reply.
func (h *harness) goDo(method, path string, headers ...string) <-chan reply {
	c := make(chan reply, 1)
	go func() {
		resp, body, err := h.try(method, path, headers...)
		c <- reply{resp, body, err}
	}()
	return c
}
