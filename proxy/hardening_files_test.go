package proxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestOversizeUpstreamNeverCompletes: a files host that sends more than the
// page's size (chunked) gives the client no complete 200 and publishes
// nothing.
func TestOversizeUpstreamNeverCompletes(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel])
	want, _, _ := h.up.File("projectc", wheel)
	h.up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultOversize})
	code, body, complete := rawGet(t, h.http.URL+path)
	if code == 200 && complete && body == string(want) {
		t.Fatal("a complete 200 of an oversized, unverified body")
	}
	if _, err := h.store.Stat(t.Context(), "web"+path); err == nil {
		t.Fatal("an oversized download was published")
	}
}

// TestRangeDuringMissWaitsForVerification: a range request during a miss
// is answered from the verified object only; a corrupt download gives no
// 206 of its (unverified) first bytes.
func TestRangeDuringMissWaitsForVerification(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel])
	h.up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultCorrupt, Times: 1})
	resp, body := h.get(path, "Range: bytes=0-9")
	if resp.StatusCode == http.StatusPartialContent {
		t.Fatalf("206 of %d unverified bytes from a download that failed its hash", len(body))
	}
	want, _, _ := h.up.File("projectc", wheel)
	resp, body = h.get(path, "Range: bytes=0-9")
	wantStatus(t, resp, body, http.StatusPartialContent)
	if body != string(want[:10]) {
		t.Errorf("range after a good fetch: %q", body)
	}
}

// TestTrickleMissSendsHeadersEarly: on a files host that sends one byte a
// second, the client gets the response headers at once (pip gives up after
// 15 s of silence), and the body as it arrives.
func TestTrickleMissSendsHeadersEarly(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel])
	h.up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultTrickle, Delay: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.http.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no response headers from a trickling miss: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 3)); err != nil {
		t.Fatalf("the first bytes did not follow: %v", err)
	}
}

// TestSlowUpstreamHeadersSentEarly: when upstream takes long to answer at
// all, a miss whose size the page gave sends its headers after HeaderWait
// and the body when it comes.
func TestSlowUpstreamHeadersSentEarly(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	wheel := "projectc-1.0-py3-none-any.whl"
	path := filePath(h.fileLinks("projectc")[wheel])
	srv, err := New(Config{Index: h.idx, Logger: h.srv.log, Limits: Limits{HeaderWait: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	gate := h.up.Hold(fakepypi.FilesHost, "/packages/")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no response headers while upstream holds the file: %v", err)
	}
	defer resp.Body.Close()
	<-gate.Arrived()
	gate.Release()
	want, _, _ := h.up.File("projectc", wheel)
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != string(want) {
		t.Fatalf("body after the early headers: %d bytes, %v", len(body), err)
	}
}
