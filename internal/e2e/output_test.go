package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestMirrorInterruptResumes: Ctrl-C in the middle of a mirror says how
// many projects are left and that a rerun resumes, exits 130, and the
// rerun completes the mirror.
func TestMirrorInterruptResumes(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	up.GenerateProjects(30, 1)
	gate := up.Hold(fakepypi.FilesHost, "/packages/")
	dir := t.TempDir()
	var stderr bytes.Buffer
	cmd := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir, "--workers", "2", "--progress", "none")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.Arrived(): // inside a download
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the mirror never reached a download:\n%s", stderr.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("exit %v, want 130", err)
	}
	m := regexp.MustCompile(`interrupted; rerun to resume \((\d+) projects left\)`).FindStringSubmatch(stderr.String())
	if m == nil || m[1] == "0" {
		t.Errorf("no resume hint with the projects left:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "pypi-proxy: context canceled") || strings.Contains(stderr.String(), "failed=") {
		t.Errorf("a bare 'context canceled' on Ctrl-C:\n%s", stderr.String())
	}
	gate.Release()
	out, err := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir, "--progress", "none").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "resuming") {
		t.Fatalf("the rerun: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`downloaded="?[0-9.]+ [KMG]iB`).Match(out) || !strings.Contains(string(out), "took=") {
		t.Errorf("the summary is not in human units:\n%s", out)
	}
}

// TestMirrorBarsOnPipeFallBack: --progress bars with stderr on a pipe
// writes progress log lines instead of nothing.
func TestMirrorBarsOnPipeFallBack(t *testing.T) {
	up := slowMirrorUpstream(t)
	gate := up.Hold(fakepypi.FilesHost, "/packages/")
	var logs syncWriter
	cmd := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--progress", "bars")
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	<-gate.Arrived()
	gate.Release()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mirror: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "sync progress") && !strings.Contains(logs.String(), "mirror done") {
		t.Errorf("nothing useful on the pipe:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "\x1b[") {
		t.Errorf("escape sequences on a pipe:\n%q", logs.String())
	}
}

// TestServeStartupLineAndJSONDurations: the start-up line says what to
// give pip, and JSON logs write durations as strings.
func TestServeStartupLineAndJSONDurations(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--log-level", "info", "--log-format", "json")
	waitFor(t, "the start-up line", func() bool { return strings.Contains(p.logs.String(), "pypi-proxy serving") })
	if want := "pip install --index-url " + p.URL + "/simple/"; !strings.Contains(p.logs.String(), want) {
		t.Errorf("the start-up line does not say %q:\n%s", want, p.logs)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "the shutdown line", func() bool { return strings.Contains(p.logs.String(), "shutting down") })
	if !regexp.MustCompile(`"grace":"30s"`).MatchString(p.logs.String()) {
		t.Errorf("durations in JSON logs are not strings:\n%s", p.logs)
	}
}

// syncWriter is a buffer a child process writes while the test reads it.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
