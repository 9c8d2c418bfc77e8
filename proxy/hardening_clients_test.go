package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// limitedServer serves h's index service with limits, behind a
// LimitListener, and returns its address and listener.
func limitedServer(t *testing.T, h *harness, limits Limits, conns ConnLimits) (string, *Listener) {
	t.Helper()
	srv, err := New(Config{Index: h.idx, Logger: h.srv.log, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lim := LimitListener(ln, conns)
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(lim)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String(), lim
}

// waitOpen waits until the listener holds want connections.
func waitOpen(t *testing.T, l *Listener, want int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		n, changed := l.Open()
		if n == want {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%d connections open, want %d", n, want)
		}
	}
}

// bigCachedFile publishes an 8 MiB file, caches it through h and returns its path.
func bigCachedFile(t *testing.T, h *harness) (string, []byte) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 512<<10)
	h.up.AddFile("bigproj", "1.0", "bigproj-1.0.tar.gz", data)
	path := filePath(h.fileLinks("bigproj")["bigproj-1.0.tar.gz"])
	resp, body := h.get(path)
	wantStatus(t, resp, "", 200)
	if body != string(data) {
		t.Fatal("big file differs")
	}
	return path, data
}

// TestConnectionCapPerIP: a client over --max-connections-per-ip has its
// extra connections closed at once; the ones it holds keep working.
func TestConnectionCapPerIP(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	addr, lim := limitedServer(t, h, Limits{}, ConnLimits{PerIP: 2})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	waitOpen(t, lim, 2)
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := extra.Read(make([]byte, 1)); err == nil || n > 0 || isTimeout(err) {
		t.Fatalf("a third connection from one address was kept: %d, %v", n, err)
	}
	io.WriteString(held[0], "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(held[0]), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("a held connection stopped working: %v", err)
	}
	held[1].Close()
	waitOpen(t, lim, 1)
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("a connection after one was freed: %v", err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestStalledReaderCutOff: a client that asks for a large file and never
// reads loses its connection after the write timeout.
func TestStalledReaderCutOff(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	path, _ := bigCachedFile(t, h)
	addr, lim := limitedServer(t, h, Limits{WriteTimeout: 300 * time.Millisecond}, ConnLimits{})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
	waitOpen(t, lim, 1)
	waitOpen(t, lim, 0) // never reading: the server gives up on it
}

// TestSlowHonestReaderSurvives: a client reading a large file slowly but
// steadily, for longer than the write timeout, gets all of it.
func TestSlowHonestReaderSurvives(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	path, data := bigCachedFile(t, h)
	// The read takes about 2.6 s, the write timeout is 1.5 s: a reader
	// stalled by a busy machine for under 1.5 s still passes.
	addr, _ := limitedServer(t, h, Limits{WriteTimeout: 1500 * time.Millisecond}, ConnLimits{})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var got strings.Builder
	tick := time.NewTicker(20 * time.Millisecond) // a client reading ~3 MiB/s
	defer tick.Stop()
	for {
		<-tick.C
		n, err := io.CopyN(&got, resp.Body, 64<<10)
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes and %s: %v", got.Len(), time.Since(start), err)
		}
	}
	if got.String() != string(data) {
		t.Fatalf("got %d of %d bytes", got.Len(), len(data))
	}
	if time.Since(start) < 1500*time.Millisecond {
		t.Logf("the read took only %s: not longer than the write timeout", time.Since(start))
	}
}

// TestHeadersOnlyAnswerAfterLongWait: an answer without a body (HEAD of a
// page) that waited upstream longer than the write timeout still reaches
// the client: its headers are written when the handler returns, so the
// deadline moves when the status is set, not only on body writes.
func TestHeadersOnlyAnswerAfterLongWait(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	// The headers have a whole second after the wait: a busy machine's
	// stall between the status and the flush does not cut them.
	const timeout = time.Second
	addr, _ := limitedServer(t, h, Limits{WriteTimeout: timeout}, ConnLimits{})
	gate := h.up.Hold(fakepypi.IndexHost, "/simple/projecta/")
	type answer struct {
		resp *http.Response
		err  error
	}
	done := make(chan answer, 1)
	asked := time.Now()
	go func() {
		resp, err := http.Head("http://" + addr + "/simple/projecta/")
		done <- answer{resp, err}
	}()
	<-gate.Arrived()
	// The event this test needs is a time: the deadline the request got
	// when it started has passed (the answer is held upstream until then).
	<-time.After(time.Until(asked.Add(2 * timeout)))
	gate.Release()
	a := <-done
	if a.err != nil {
		t.Fatalf("HEAD after a wait longer than the write timeout: %v", a.err)
	}
	a.resp.Body.Close()
	if a.resp.StatusCode != http.StatusOK || a.resp.Header.Get("X-Cache") != "MISS" {
		t.Errorf("HEAD: %d %v", a.resp.StatusCode, a.resp.Header)
	}
}
