package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/wait"
)

// binary is the pypi-proxy built once for the package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pypi-proxy-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "pypi-proxy")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/pypi-proxy")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building pypi-proxy:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// require skips a test whose real client is missing, or fails it when CI
// says every client must be there.
func require(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("PYPI_PROXY_E2E_REQUIRED") != "" {
		t.Fatalf("%s is required (PYPI_PROXY_E2E_REQUIRED is set): %v", what, err)
	}
	t.Skipf("%s unavailable: %v", what, err)
}

// proxyProc is a running pypi-proxy serve.
type proxyProc struct {
	cmd    *exec.Cmd
	URL    string
	logs   *lockedBuffer
	exited chan struct{} // closed once the process has exited
	err    error         // how it exited, once exited is closed
	waited bool          // the test has seen it exit (wait or stop)
}

// startProxy runs `pypi-proxy serve` with args on a free port and waits
// until it answers.
func startProxy(t *testing.T, args ...string) *proxyProc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, append([]string{"serve", "--listen", addr, "--log-level", "warn"}, args...)...)
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proxyProc{cmd: cmd, URL: "http://" + addr, logs: logs, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	p.waitAnswering(t)
	return p
}

// waitAnswering polls /healthz until the proxy answers. It fails at once
// if the process exits; the deadline only stops a hang.
func (p *proxyProc) waitAnswering(t *testing.T) {
	t.Helper()
	wait.For(t, "pypi-proxy to answer", func() bool {
		if resp, err := http.Get(p.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return true
		}
		select {
		case <-p.exited:
			p.waited = true
			t.Fatalf("pypi-proxy exited before answering: %v; logs:\n%s", p.err, p.logs)
		default:
		}
		return false
	})
}

// wait waits for the process to exit after a signal the test sent, and
// returns how it exited.
func (p *proxyProc) wait() error {
	<-p.exited
	p.waited = true
	return p.err
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proxyProc) stop(t *testing.T) {
	if p.waited {
		return
	}
	p.waited = true
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if p.err != nil {
			t.Errorf("pypi-proxy exited with %v; logs:\n%s", p.err, p.logs)
		}
	case <-time.After(time.Minute): // only stops a hang
		_ = p.cmd.Process.Kill()
		t.Errorf("pypi-proxy did not stop on SIGTERM; logs:\n%s", p.logs)
	}
}

// lockedBuffer is a bytes.Buffer a process or a copying goroutine writes
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	code, body, err := get(url)
	if err != nil {
		t.Fatal(err)
	}
	return code, body
}

// tryGet is httpGet for a server that may not listen yet: 0 on error.
func tryGet(url string) (int, string) {
	code, body, _ := get(url)
	return code, body
}

func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
