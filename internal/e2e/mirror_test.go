package e2e

import (
	"bytes"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// ansiCursor matches the escape sequences a redrawing bar uses to move
// back over its previous frame.
var ansiCursor = regexp.MustCompile(`\x1b\[[0-9]*[AFK]`)

// slowMirrorUpstream is a fake with enough files, slowly served, for a
// mirror to take a couple of seconds: long enough for bars to redraw and
// for a profile to be asked for while it runs.
func slowMirrorUpstream(t *testing.T) *fakepypi.Upstream {
	up := fakepypi.New(fakepypi.Options{FilesBandwidth: 6000})
	t.Cleanup(up.Close)
	up.GenerateProjects(40, 2)
	return up
}

// TestMirrorProgressBarsOnTerminal: with --progress auto and stderr on a
// terminal (a real pty), the mirror draws redrawing bars for projects and
// bytes that end complete; on a pipe it writes log lines instead. The files
// host holds every download until the bars have redrawn.
func TestMirrorProgressBarsOnTerminal(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	up.GenerateProjects(40, 2)
	gate := up.Hold(fakepypi.FilesHost, "")
	defer gate.Release()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(),
		"--progress", "auto", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = tty, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	tty.Close() // the child holds its own copy; EOF on ptmx once it exits
	var screen lockedBuffer
	copied := make(chan struct{})
	go func() { io.Copy(&screen, ptmx); close(copied) }()
	waitFor(t, "the bars to redraw (move the cursor back) while the downloads are held", func() bool {
		return len(ansiCursor.FindAllString(screen.String(), -1)) >= 2
	})
	gate.Release()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mirror: %v\n%s", err, screen.String())
	}
	select {
	case <-copied:
	case <-time.After(time.Minute): // only stops a hang
		t.Fatalf("no end of output on the terminal after the mirror exited:\n%q", screen.String())
	}
	out := screen.String()
	if !strings.Contains(out, "projects") || !strings.Contains(out, "bytes") {
		t.Fatalf("no projects and bytes bars on the terminal:\n%q", out)
	}
	if !strings.Contains(out, "40 / 40") {
		t.Errorf("the projects bar does not end at 40 / 40:\n%q", out)
	}
	if !strings.Contains(out, "KiB") || !strings.Contains(out, "ETA") {
		t.Errorf("bars without byte counts or ETA:\n%q", out)
	}

	// The same on a pipe: plain log lines, no escape sequences.
	var logs bytes.Buffer
	cmd = exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(),
		"--progress", "auto")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("mirror on a pipe: %v\n%s", err, logs.String())
	}
	if strings.ContainsRune(logs.String(), '\x1b') || !strings.Contains(logs.String(), "msg=\"mirror done\"") {
		t.Errorf("on a pipe the mirror should log plain lines:\n%s", logs.String())
	}
}

// TestMirrorDebugListen: mirror --debug-listen serves profiles while the
// sync runs.
func TestMirrorDebugListen(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	up.GenerateProjects(4, 1)
	gate := up.Hold(fakepypi.FilesHost, "")
	defer gate.Release()
	debug := freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(),
		"--progress", "none", "--debug-listen", debug)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	select { // the sync is inside a download: the profile must show it
	case <-gate.Arrived():
	case <-time.After(time.Minute):
		t.Fatalf("the mirror never asked for a file\n%s", logs.String())
	}
	code, body := tryGet("http://" + debug + "/debug/pprof/goroutine?debug=1")
	if code != 200 || !strings.Contains(body, "prefetch.(*Mirror)") {
		t.Errorf("profile during the sync: %d %.300s", code, body)
	}
	gate.Release()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mirror: %v\n%s", err, logs.String())
	}
}

// TestPipFromSyncedMirror: a tree filled by `pypi-proxy mirror` (not by
// lazy traffic) serves real pip, with the upstream stopped, through
// `serve` (pip's revalidations fail upstream and get the stored pages) and
// through nginx with the shipped config.
func TestPipFromSyncedMirror(t *testing.T) {
	requirePip(t)
	up := fakepypi.New(fakepypi.Options{})
	fakepypi.PublishDemo(up)
	dead := up.IndexURL()
	root := t.TempDir()
	out, err := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", root,
		"--progress", "none").CombinedOutput()
	if err != nil {
		t.Fatalf("mirror: %v\n%s", err, out)
	}
	up.Close()
	want := []string{"project_d-1.0", "projecta-1.0", "projectb-1.0", "projectc-1.1"}

	p := startProxy(t, "--upstream", dead, "--cache-dir", root)
	dir := t.TempDir()
	pip(t, p.URL+"/simple/", "install", "--target", dir, "projecta", "Project_D[fancy]")
	if got := installed(t, dir); !slices.Equal(got, want) {
		t.Errorf("through serve: installed %v, want %v", got, want)
	}

	requireNginx(t)
	n := startNginx(t, "pypi-mirror.conf", root, "")
	dir = t.TempDir()
	pip(t, n.URL+"/simple/", "install", "--target", dir, "projecta", "Project_D[fancy]")
	if got := installed(t, dir); !slices.Equal(got, want) {
		t.Errorf("through nginx: installed %v, want %v", got, want)
	}
}
