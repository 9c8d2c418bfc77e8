package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// metricValue sums the samples of name whose labels include every wanted one.
func metricValue(t *testing.T, metrics, name string, labels ...string) float64 {
	t.Helper()
	var sum float64
	for _, line := range strings.Split(metrics, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		sum += v
	}
	return sum
}

// firstFileLink returns the proxy path of a project's first wheel.
func firstFileLink(t *testing.T, base, project string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/simple/"+project+"/", nil)
	req.Header.Set("Accept", "application/vnd.pypi.simple.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Files []struct{ URL, Filename string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	for _, f := range page.Files {
		if strings.HasSuffix(f.Filename, ".whl") {
			return f.URL[strings.Index(f.URL, "/packages/"):]
		}
	}
	t.Fatalf("%s has no wheel", project)
	return ""
}

func TestMetricsMoveWithTraffic(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	metricsAddr := freeAddr(t)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--metrics-listen", metricsAddr, "--max-cache-size", "1GiB")

	file := firstFileLink(t, p.URL, "projectc") // page miss
	httpGet(t, p.URL+"/simple/projectc/")       // page hit
	httpGet(t, p.URL+file)                      // file miss
	httpGet(t, p.URL+file)                      // file hit
	httpGet(t, p.URL+"/simple/nope/")           // 404
	if code, _ := httpGet(t, p.URL+"/metrics"); code != 404 {
		t.Errorf("/metrics on the main listener with --metrics-listen: %d", code)
	}
	checks := []struct {
		name   string
		labels []string
		min    float64
	}{
		{"pypi_proxy_http_requests_total", []string{`route="project_page"`, `code="200"`}, 2},
		{"pypi_proxy_http_requests_total", []string{`route="project_page"`, `code="404"`}, 1},
		{"pypi_proxy_http_requests_total", []string{`route="file"`, `code="200"`}, 2},
		{"pypi_proxy_cache_requests_total", []string{`route="project_page"`, `outcome="hit"`}, 1},
		{"pypi_proxy_cache_requests_total", []string{`route="project_page"`, `outcome="miss"`}, 1},
		{"pypi_proxy_cache_requests_total", []string{`route="file"`, `outcome="hit"`}, 1},
		{"pypi_proxy_cache_requests_total", []string{`route="file"`, `outcome="miss"`}, 1},
		{"pypi_proxy_upstream_requests_total", []string{`outcome="ok"`}, 2},
		{"pypi_proxy_upstream_fetched_bytes_total", []string{`kind="file"`}, 100},
		{"pypi_proxy_http_response_bytes_total", []string{`route="file"`}, 200},
		{"pypi_proxy_cache_files", nil, 1},
		{"pypi_proxy_cache_files_bytes", nil, 100},
		{"pypi_proxy_http_request_duration_seconds_count", []string{`route="file"`}, 2},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	}
	// A request is counted when its handler returns, which can be just
	// after its client has the response: poll until every count shows.
	var metrics string
	var short []string
	deadline := time.Now().Add(time.Minute)
	for {
		code, body := httpGet(t, "http://"+metricsAddr+"/metrics")
		if code != 200 {
			t.Fatalf("/metrics: %d", code)
		}
		metrics, short = body, nil
		for _, c := range checks {
			if v := metricValue(t, metrics, c.name, c.labels...); v < c.min {
				short = append(short, fmt.Sprintf("%s%v = %v, want >= %v", c.name, c.labels, v, c.min))
			}
		}
		if len(short) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, msg := range short {
		t.Error(msg)
	}
	promtool, err := exec.LookPath("promtool")
	require(t, "promtool (Debian's prometheus package)", err)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(metrics)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestReadyz: /readyz says whether upstream answers (a proxy started
// after it went away says 503 at once; the proxy package's tests check
// that a kept result is probed again). /healthz only says the process is
// alive.
func TestReadyz(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir())
	code, body := httpGet(t, p.URL+"/readyz")
	if code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Errorf("/readyz with upstream up: %d %s", code, body)
	}
	up.Close()
	down := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir())
	code, body = httpGet(t, down.URL+"/readyz")
	if code != 503 || !strings.Contains(body, `"ready":false`) {
		t.Errorf("/readyz with upstream down: %d %s", code, body)
	}
	code, body = httpGet(t, down.URL+"/healthz")
	if code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	off := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--offline")
	if code, body := httpGet(t, off.URL+"/readyz"); code != 200 || !strings.Contains(body, `"upstream":"offline"`) {
		t.Errorf("/readyz offline: %d %s", code, body)
	}
}

// TestSIGTERMMidDownload: a file being downloaded when SIGTERM arrives is
// either complete and verified in the cache afterwards, or absent; never
// partial, and no temp file is left. Upstream holds the second half of the
// file: until the proxy has stopped accepting connections (it is shutting
// down) when the grace period is long enough, for good when it is not.
func TestSIGTERMMidDownload(t *testing.T) {
	data := bytes.Repeat([]byte("pypi-proxy shutdown test "), 200_000) // ~5 MB
	sum := sha256.Sum256(data)
	for _, tc := range []struct {
		name      string
		grace     string
		published bool
	}{
		{"grace long enough", "30s", true},
		{"grace too short", "100ms", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := fakepypi.New(fakepypi.Options{})
			defer up.Close()
			up.Publish("bigone", fakepypi.Release{Version: "1.0", Wheel: true})
			up.AddFile("bigone", "1.0", "bigone-1.0.tar.gz", data)
			gate := up.HoldBody(fakepypi.FilesHost, "/packages/")
			defer gate.Release()
			dir := t.TempDir()
			p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir, "--shutdown-timeout", tc.grace)
			file := sdistPath(t, p.URL, "bigone")
			got := make(chan []byte, 1)
			go func() {
				resp, err := http.Get(p.URL + file)
				if err != nil {
					got <- nil
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got <- b
			}()
			select { // the proxy is mid-download
			case <-gate.Arrived():
			case <-time.After(time.Minute):
				t.Fatal("the download never reached upstream")
			}
			p.cmd.Process.Signal(syscall.SIGTERM)
			if tc.published {
				waitFor(t, "the proxy to stop accepting connections", func() bool {
					c, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
					if err == nil {
						c.Close()
					}
					return err != nil
				})
				gate.Release()
			}
			p.wait()
			body := <-got
			stored, err := os.ReadFile(filepath.Join(dir, "web", file))
			switch {
			case err == nil && sha256.Sum256(stored) != sum:
				t.Fatal("a partial or corrupt file was published")
			case err == nil && !tc.published:
				t.Error("file published although the grace period was too short")
			case err != nil && tc.published:
				t.Errorf("file not published after a graceful shutdown: %v", err)
			}
			if tc.published && !bytes.Equal(body, data) {
				t.Errorf("client got %d bytes, want the whole file", len(body))
			}
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
					t.Errorf("temp file left behind: %s", path)
				}
				return nil
			})
		})
	}
}

// sdistPath returns the proxy path of a project's sdist, from its page.
func sdistPath(t *testing.T, base, project string) string {
	t.Helper()
	for _, l := range strings.Split(mustGet(t, base+"/simple/"+project+"/"), "\"") {
		if strings.HasSuffix(strings.SplitN(l, "#", 2)[0], ".tar.gz") && strings.Contains(l, "/packages/") {
			return strings.SplitN(l[strings.Index(l, "/packages/"):], "#", 2)[0]
		}
	}
	t.Fatalf("no sdist link for %s", project)
	return ""
}

func mustGet(t *testing.T, url string) string {
	t.Helper()
	code, body := httpGet(t, url)
	if code != 200 {
		t.Fatalf("%s: %d", url, code)
	}
	return body
}

// TestStartupRemovesCrashLeftovers: temp files a killed process left are
// removed at the next start, in the background.
func TestStartupRemovesCrashLeftovers(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	dir := t.TempDir()
	leftover := filepath.Join(dir, "web", "packages", "aa", "bb", "cc", ".tmp-deadbeef")
	os.MkdirAll(filepath.Dir(leftover), 0o755)
	os.WriteFile(leftover, []byte("half a file"), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(leftover, old, old)
	startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", dir)
	waitFor(t, "the leftover temp file to be removed", func() bool {
		_, err := os.Stat(leftover)
		return errors.Is(err, fs.ErrNotExist)
	})
}

func TestDebugListenServesProfiles(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	debug := freeAddr(t)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(), "--debug-listen", debug)
	if code, body := httpGet(t, "http://"+debug+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("pprof on --debug-listen: %d %.100s", code, body)
	}
	if code, _ := httpGet(t, p.URL+"/debug/pprof/"); code != 404 {
		t.Errorf("profiles exposed on the main listener: %d", code)
	}
}

// TestOutboundProxyHonoured: with HTTP_PROXY set, upstream requests go
// through that proxy (here a tiny forward proxy that sends them on to the
// fake upstream, whose name only it can resolve).
func TestOutboundProxyHonoured(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	indexHost := strings.TrimPrefix(up.BaseURL(), "http://")
	var seen atomic.Int32
	forward := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() || r.URL.Hostname() != "upstream.invalid" {
			http.Error(w, "not a proxy request for upstream.invalid", http.StatusBadRequest)
			return
		}
		seen.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Host = indexHost
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer forward.Close()
	_, port, _ := net.SplitHostPort(indexHost)
	t.Setenv("HTTP_PROXY", forward.URL)
	p := startProxy(t, "--upstream", "http://upstream.invalid:"+port+"/simple/", "--cache-dir", t.TempDir())
	if code, body := httpGet(t, p.URL+"/simple/projecta/"); code != 200 || !strings.Contains(body, "projecta-1.0") {
		t.Fatalf("through the outbound proxy: %d %.200s", code, body)
	}
	if seen.Load() == 0 {
		t.Error("the outbound proxy saw no request")
	}
}
