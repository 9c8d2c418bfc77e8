// Package miniotest runs a real MinIO server for tests: on 127.0.0.1, on a
// free port, with a temp data directory, stopped when the test ends.
//
// The server binary is $PYPI_PROXY_MINIO, else DefaultBinary, which
// scripts/minio.sh builds (MinIO is AGPL: it is built and run as a test
// peer, never imported). Without it the tests that need it skip, or fail
// when PYPI_PROXY_E2E_REQUIRED is set, as in CI.
package miniotest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// DefaultBinary is where scripts/minio.sh installs MinIO.
const DefaultBinary = "/var/cache/pypi-proxy-ci/bin/minio"

// Credentials of every test server's root user.
const (
	AccessKey = "pypi-proxy-test"
	SecretKey = "pypi-proxy-test-secret"
)

// Server is a running MinIO server.
type Server struct {
	// Endpoint is the server's URL, "http://127.0.0.1:PORT".
	Endpoint string
	// Dir is the data directory.
	Dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has ended
	logs   *syncBuffer
}

// Binary returns the MinIO binary to run, or an error saying why there is
// none.
func Binary() (string, error) {
	bin := os.Getenv("PYPI_PROXY_MINIO")
	if bin == "" {
		bin = DefaultBinary
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("no MinIO server binary (scripts/minio.sh builds it; PYPI_PROXY_MINIO overrides the path): %w", err)
	}
	return bin, nil
}

// Start runs a server until t ends. It skips t when there is no binary,
// or fails it when PYPI_PROXY_E2E_REQUIRED is set.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := requireBinary(t)
	s, err := startRetry(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// shared is the server of Shared.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared returns one server for the whole test process, started on first
// use (t skips or fails as with Start). Tests sharing it keep apart with
// a bucket each (Bucket). The package's TestMain calls StopShared after
// m.Run; should it not, the server still dies with the process.
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := requireBinary(t)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "miniotest-")
		if err != nil {
			shared.err = err
			return
		}
		if shared.srv, shared.err = startRetry(bin, dir); shared.err != nil {
			os.RemoveAll(dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

// StopShared stops the server of Shared, if it was started, and removes
// its data.
func StopShared() {
	if s := shared.srv; s != nil {
		s.Stop()
		os.RemoveAll(s.Dir)
	}
}

// requireBinary returns the binary, or skips t (fails it when
// PYPI_PROXY_E2E_REQUIRED is set).
func requireBinary(t testing.TB) string {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("PYPI_PROXY_E2E_REQUIRED") != "" {
			t.Fatalf("MinIO is required (PYPI_PROXY_E2E_REQUIRED is set): %v", err)
		}
		t.Skip(err)
	}
	return bin
}

// startRetry starts a server, trying again if it fails (another process
// may take the free port first).
func startRetry(bin, dir string) (s *Server, err error) {
	for range 3 {
		if s, err = start(bin, dir); err == nil {
			return s, nil
		}
	}
	return nil, err
}

var bucketSeq atomic.Int64

// Bucket returns a bucket name not used before in this process (the
// bucket is not created).
func (s *Server) Bucket() string {
	return fmt.Sprintf("test-%d-%d", os.Getpid(), bucketSeq.Add(1))
}

// Logs returns what the server printed so far.
func (s *Server) Logs() string { return s.logs.String() }

// Stop ends the server: SIGTERM, then SIGKILL after 10 seconds.
func (s *Server) Stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func start(bin, dir string) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://" + addr, Dir: dir, exited: make(chan struct{}), logs: &syncBuffer{}}
	s.cmd = exec.Command(bin, "server", "--quiet", "--address", addr, dir)
	s.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+AccessKey, "MINIO_ROOT_PASSWORD="+SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	// The server dies with the test process, even if that crashes.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting MinIO: %w", err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitLive(60 * time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\nMinIO's output:\n%s", err, s.Logs())
	}
	return s, nil
}

// waitLive waits until the cluster health endpoint answers 200, the
// process exits, or timeout passes. (/minio/health/live and /ready answer
// 200 before the server can serve requests; /cluster waits for its object
// layer, bucket metadata and IAM.)
func (s *Server) waitLive(timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		resp, err := client.Get(s.Endpoint + "/minio/health/cluster")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("MinIO at %s not live after %v (last: %v)", s.Endpoint, timeout, err)
		}
		select {
		case <-s.exited:
			return errors.New("MinIO exited before it was live")
		case <-time.After(wait):
		}
	}
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// syncBuffer collects the server's output from two pipes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
