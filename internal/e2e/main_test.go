package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
	cmd  *exec.Cmd
	URL  string
	logs *strings.Builder
}

// startProxy runs `pypi-proxy serve` with args on a free port and waits
// until it answers.
func startProxy(t *testing.T, args ...string) *proxyProc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, append([]string{"serve", "--listen", addr, "--log-level", "warn"}, args...)...)
	logs := &strings.Builder{}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
		}
	}()
	p := &proxyProc{cmd: cmd, URL: "http://" + addr, logs: logs}
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("pypi-proxy did not start; logs:\n%s", logs)
	return nil
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proxyProc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("pypi-proxy exited with %v; logs:\n%s", err, p.logs)
		}
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("pypi-proxy did not stop on SIGTERM")
	}
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
