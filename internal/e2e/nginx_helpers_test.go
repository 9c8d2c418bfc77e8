package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/internal/wait"
)

// nginxSrc is the repository's nginx/ directory: the configs under test are the shipped ones.
const nginxSrc = "../../nginx"

// nginxPipAccept is the Accept header pip 23 sends for index pages.
const nginxPipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

// nginxProc is a running nginx with one of the shipped mirror configs.
type nginxProc struct {
	cmd    *exec.Cmd
	URL    string
	prefix string
}

// requireNginx finds Debian's nginx (nginx-light) or skips, or fails under PYPI_PROXY_E2E_REQUIRED.
func requireNginx(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr == nil {
			return "/usr/sbin/nginx"
		}
	}
	require(t, "nginx (Debian's nginx-light)", err)
	return path
}

var nginxPlaceholder = regexp.MustCompile(`@[A-Z_]+@`)

// startNginx renders nginx/<conf> (pypi-mirror.conf or pypi-mirror-fallback.conf) for the mirror
// at root, with the fallback to the pypi-proxy at upstream (host:port, "" when unused), and runs
// nginx in the foreground on a free port until the test ends.
func startNginx(t *testing.T, conf, root, upstream string) *nginxProc {
	t.Helper()
	bin := requireNginx(t)
	prefix := t.TempDir()
	confDir := filepath.Join(prefix, "conf")
	for _, d := range []string{confDir, filepath.Join(prefix, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	srcs, err := filepath.Glob(filepath.Join(nginxSrc, "pypi-mirror*.conf"))
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no nginx/pypi-mirror*.conf: %v", err)
	}
	for _, src := range srcs {
		nginxRender(t, src, filepath.Join(confDir, filepath.Base(src)), map[string]string{
			"@LISTEN@": addr, "@ROOT@": root, "@CONF_DIR@": confDir, "@UPSTREAM@": upstream,
		})
	}
	main := filepath.Join(prefix, "nginx.conf")
	nginxRender(t, filepath.Join(nginxSrc, "nginx-standalone.conf"), main, map[string]string{
		"@PREFIX@": prefix, "@INCLUDE@": filepath.Join(confDir, conf), "@WORKERS@": "1",
		"@ACCESS_LOG@": filepath.Join(prefix, "access.log"),
	})
	if os.Geteuid() == 0 {
		// A root master drops its workers to "nobody", who cannot read the 0700 temp dirs.
		nginxPrepend(t, main, "user root;\n")
	}
	return runNginx(t, bin, prefix, main, addr)
}

// runNginx runs nginx on the rendered main config in the foreground until
// the test ends, and waits until it answers on addr.
func runNginx(t *testing.T, bin, prefix, main, addr string) *nginxProc {
	t.Helper()
	errLog := filepath.Join(prefix, "error.log")
	cmd := exec.Command(bin, "-p", prefix, "-c", main, "-e", errLog, "-g", "daemon off;")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &nginxProc{cmd: cmd, URL: "http://" + addr, prefix: prefix}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(time.Minute): // only stops a hang
			_ = cmd.Process.Kill()
			t.Errorf("nginx did not stop on SIGTERM")
		}
		if t.Failed() {
			b, _ := os.ReadFile(errLog)
			t.Logf("nginx error.log:\n%s", b)
		}
	})
	wait.For(t, "nginx to start", func() bool { // an exit fails at once
		select {
		case err := <-exited:
			b, _ := os.ReadFile(errLog)
			t.Fatalf("nginx exited: %v\n%s\n%s", err, out, b)
		default:
		}
		resp, err := http.Get(n.URL + "/nginx-started")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return n
}

// nginxRender copies src to dst, replacing nginxPlaceholders, and fails on any left over.
func nginxRender(t *testing.T, src, dst string, vars map[string]string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range vars {
		s = strings.ReplaceAll(s, k, v)
	}
	if left := nginxPlaceholder.FindAllString(s, -1); len(left) > 0 {
		t.Fatalf("%s: nginxPlaceholders left after rendering: %v", src, left)
	}
	if err := os.WriteFile(dst, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func nginxPrepend(t *testing.T, path, text string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append([]byte(text), b...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// nginxFillMirror fills a fresh cache dir with the demo set through the real pypi-proxy serve
// (pip installs projecta and Project_D[fancy] through it; the root page and projecta's JSON API
// document are fetched too), then stops the proxy and the fake upstream.
func nginxFillMirror(t *testing.T) string {
	t.Helper()
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	cacheDir := t.TempDir()
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", cacheDir)
	pip(t, p.URL+"/simple/", "install", "--target", t.TempDir(), "projecta", "Project_D[fancy]")
	for _, path := range []string{"/simple/", "/pypi/projecta/json"} {
		if code, body := httpGet(t, p.URL+path); code != http.StatusOK {
			t.Fatalf("GET %s through the proxy: %d %s", path, code, body)
		}
	}
	p.stop(t)
	return cacheDir
}

// nginxGet sends a GET with the given headers (name, value pairs; empty values are not sent) and does not follow redirects.
func nginxGet(t *testing.T, url string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
