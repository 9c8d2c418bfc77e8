package prefetch_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/internal/wait"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/pypi-proxy once for the package's process tests.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pypi-proxy-prefetch-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "pypi-proxy")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/pypi-proxy").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Log(string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// TestKillResumeAndLock runs the real `pypi-proxy mirror`, checks a second
// mirror on the directory fails on the lock, kills the first with SIGKILL
// mid-sync and checks nothing partial is visible, status did not advance,
// and a rerun completes. The files host serves 30 files, then holds every
// later one after half its body: the kill finds downloads in progress.
func TestKillResumeAndLock(t *testing.T) {
	bin := binary(t)
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	up.GenerateProjects(60, 2)
	const served = 30
	gate := up.HoldFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultHoldBody, After: served})
	defer gate.Release()
	dir := t.TempDir()
	args := []string{"mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir, "--workers", "8", "--progress", "none", "--log-level", "warn"}

	first := exec.Command(bin, args...)
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	e := &env{t: t, up: up, dir: dir}
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	select { // the mirror has had its 30 files and is inside the next downloads
	case <-gate.Arrived():
	case err := <-exited:
		t.Fatalf("mirror exited before the held downloads: %v\n%s", err, firstErr.String())
	}
	waitFor(t, "the served files to be stored", func() bool { return len(e.walkFiles()) >= served })

	second, err := exec.Command(bin, args...).CombinedOutput()
	if err == nil || !strings.Contains(string(second), "locked") {
		t.Errorf("second mirror on a locked directory: err %v, output %s", err, second)
	}

	first.Process.Signal(syscall.SIGKILL)
	<-exited
	gate.Release() // for the rerun
	if _, ok := e.read(cache.StatusKey); ok {
		t.Error("status written by a killed initial sync")
	}
	if _, ok := e.read(cache.TodoKey); !ok {
		t.Error("no todo left by a killed sync")
	}
	// No partial file is published: every stored file matches its page's hash.
	_, srv, store := e.mirror()
	rep, err := prefetch.Verify(context.Background(), prefetch.VerifyConfig{Store: store, Origins: srv, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Corrupt != 0 || rep.Unowned != 0 || rep.OK == 0 {
		t.Errorf("after SIGKILL: %+v", rep)
	}
	var visibleTemp []string
	store.Walk(context.Background(), "", func(i cache.Info) error {
		if strings.Contains(i.Key, cache.TempPrefix) {
			visibleTemp = append(visibleTemp, i.Key)
		}
		return nil
	})
	if len(visibleTemp) > 0 {
		t.Errorf("temp files visible as objects: %v", visibleTemp)
	}

	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("rerun: %v\n%s", err, out)
	}
	if got := e.status(); got != serialString(up.Serial()) {
		t.Errorf("status after rerun %q, want %d", got, up.Serial())
	}
	if _, ok := e.read(cache.TodoKey); ok {
		t.Error("todo left after the rerun completed")
	}
	if n := len(e.walkFiles()); n != 240 {
		t.Errorf("%d files after rerun, want 240", n)
	}
	for _, name := range []string{"genpkg-000000", "genpkg-000059"} {
		e.checkProject(name, 2)
	}
}

// waitFor polls cond until it holds (the deadline only stops a hang).
func waitFor(t *testing.T, what string, cond func() bool) { t.Helper(); wait.For(t, what, cond) }
