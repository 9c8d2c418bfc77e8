package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
)

// cluster is a bucket on a real MinIO that replicas share.
type cluster struct {
	srv     *miniotest.Server
	storage string // s3://BUCKET/tree
	store   *cache.S3
}

// newCluster starts MinIO (failing the test under PYPI_PROXY_E2E_REQUIRED
// when it is missing) and puts its credentials into the AWS environment
// the replicas read.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	_, err := miniotest.Binary()
	require(t, "MinIO", err)
	srv := miniotest.Start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", miniotest.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", miniotest.SecretKey)
	t.Setenv("AWS_REGION", "us-east-1")
	bucket := srv.Bucket()
	store, err := cache.OpenS3(context.Background(), cache.S3Config{
		Bucket: bucket, Prefix: "tree", Endpoint: srv.Endpoint, CreateBucket: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &cluster{srv: srv, storage: "s3://" + bucket + "/tree", store: store}
}

// replica is a running `pypi-proxy serve` on the cluster's bucket.
type replica struct {
	cmd  *exec.Cmd
	URL  string
	Addr string
	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
}

// Logs returns what the replica logged so far.
func (r *replica) Logs() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

// start runs a replica with args (at info level) and waits until it
// answers; it is stopped with SIGTERM when the test ends unless killed.
func (c *cluster) start(t *testing.T, up *fakepypi.Upstream, args ...string) *replica {
	t.Helper()
	addr := freeAddr(t)
	all := append([]string{"serve", "--listen", addr, "--log-level", "info", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(),
		"--storage", c.storage, "--s3-endpoint", c.srv.Endpoint, "--cache-dir", t.TempDir()}, args...)
	r := &replica{cmd: exec.Command(binary, all...), URL: "http://" + addr, Addr: addr, done: make(chan struct{})}
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.mu.Lock()
			r.logs.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
		}
		r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() { r.stop(t) })
	waitFor(t, "replica "+addr+" to answer", func() bool {
		select {
		case <-r.done:
			t.Fatalf("replica exited:\n%s", r.Logs())
		default:
		}
		resp, err := http.Get(r.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return r
}

// kill ends the replica with SIGKILL, as a crash would.
func (r *replica) kill() {
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// stop ends the replica with SIGTERM and waits for it.
func (r *replica) stop(t *testing.T) {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		_ = r.cmd.Process.Kill()
		t.Errorf("replica did not stop on SIGTERM")
	}
}

// startNginxReplicas runs nginx with nginx/pypi-replicas.conf in front of
// three replicas.
func startNginxReplicas(t *testing.T, rs []*replica) *nginxProc {
	t.Helper()
	bin := requireNginx(t)
	prefix := t.TempDir()
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	conf := filepath.Join(prefix, "pypi-replicas.conf")
	nginxRender(t, filepath.Join(nginxSrc, "pypi-replicas.conf"), conf, map[string]string{
		"@LISTEN@": addr, "@REPLICA1@": rs[0].Addr, "@REPLICA2@": rs[1].Addr, "@REPLICA3@": rs[2].Addr,
	})
	main := filepath.Join(prefix, "nginx.conf")
	nginxRender(t, filepath.Join(nginxSrc, "nginx-standalone.conf"), main, map[string]string{
		"@PREFIX@": prefix, "@INCLUDE@": conf, "@WORKERS@": "1", "@ACCESS_LOG@": filepath.Join(prefix, "access.log"),
	})
	if os.Geteuid() == 0 {
		nginxPrepend(t, main, "user root;\n")
	}
	return runNginx(t, bin, prefix, main, addr)
}

// readFirstMiB GETs url and reads the first MiB of the body: a client in
// the middle of a download. The caller closes the response.
func readFirstMiB(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1<<20)); err != nil {
		resp.Body.Close()
		t.Fatalf("first MiB of %s: %v", url, err)
	}
	return resp
}
