package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
	"github.com/pypi-proxy/pypi-proxy/internal/wait"
)

// startMinIO starts a MinIO of the test's own (failing the test under
// PYPI_PROXY_E2E_REQUIRED when there is none).
func startMinIO(t *testing.T) *miniotest.Server {
	t.Helper()
	_, err := miniotest.Binary()
	require(t, "MinIO", err)
	return miniotest.Start(t)
}

// awsEnv is this process's environment with the AWS variables replaced
// by creds'.
func awsEnv(creds miniotest.Creds) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, creds.Env()...)
}

// runRefused runs the binary with args and env, which must stop at
// start-up; it returns what it printed. The hang guard only ends a
// process that never stops.
func runRefused(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait.HangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s did not stop at start-up:\n%s", args[0], out)
	case !errors.As(err, &exit):
		t.Fatalf("%s: %v, want a non-zero exit\n%s", args[0], err, out)
	}
	t.Logf("%s exited %d after %v", args[0], exit.ExitCode(), time.Since(start).Round(time.Millisecond))
	return string(out)
}

// bucketExists asks the server, as its root user, whether bucket exists.
func bucketExists(t *testing.T, srv *miniotest.Server, bucket string) bool {
	t.Helper()
	c, err := minio.New(strings.TrimPrefix(srv.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(miniotest.AccessKey, miniotest.SecretKey, ""), Region: "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	ok, err := c.BucketExists(context.Background(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestS3StartupRefused: serve, mirror and verify on a bucket that does not
// exist, with credentials that may use objects but not create buckets,
// exit non-zero at start-up naming the bucket and the denied creation, and
// create nothing; wrong credentials and an endpoint nobody answers stop
// them the same way, named.
func TestS3StartupRefused(t *testing.T) {
	srv := startMinIO(t)
	objectsOnly := srv.Restricted(t, miniotest.ObjectsOnlyPolicy)
	root := miniotest.Creds{AccessKey: miniotest.AccessKey, SecretKey: miniotest.SecretKey}
	wrong := miniotest.Creds{AccessKey: miniotest.AccessKey, SecretKey: "not-the-secret"}
	closed := "http://" + freeAddr(t) // nothing listens there
	denied := func(bucket string) []string {
		return []string{`bucket "` + bucket + `" does not exist at ` + srv.Endpoint,
			`creating it was denied to access key "` + objectsOnly.AccessKey + `"`, "s3:CreateBucket"}
	}
	tests := []struct {
		name     string
		creds    miniotest.Creds
		endpoint string
		args     []string
		want     func(bucket string) []string
	}{
		{"serve creation denied", objectsOnly, srv.Endpoint, []string{"serve", "--listen", freeAddr(t)}, denied},
		{"mirror creation denied", objectsOnly, srv.Endpoint, []string{"mirror", "--allow", "projectc", "--progress", "none"}, denied},
		{"verify creation denied", objectsOnly, srv.Endpoint, []string{"verify"}, denied},
		{"verify repair creation denied", objectsOnly, srv.Endpoint, []string{"verify", "--repair"}, denied},
		{"serve wrong secret", wrong, srv.Endpoint, []string{"serve", "--listen", freeAddr(t)}, func(string) []string {
			return []string{"rejected by " + srv.Endpoint, `access key "` + miniotest.AccessKey + `"`, "SignatureDoesNotMatch"}
		}},
		{"mirror wrong secret", wrong, srv.Endpoint, []string{"mirror", "--allow", "projectc", "--progress", "none"}, func(string) []string {
			return []string{"rejected by " + srv.Endpoint}
		}},
		{"serve unreachable endpoint", root, closed, []string{"serve", "--listen", freeAddr(t)}, func(string) []string {
			return []string{"endpoint " + closed + " unreachable"}
		}},
		{"verify unreachable endpoint", root, closed, []string{"verify"}, func(string) []string {
			return []string{"endpoint " + closed + " unreachable"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := srv.Bucket()
			args := append(tt.args, "--storage", "s3://"+bucket+"/tree", "--s3-endpoint", tt.endpoint,
				"--cache-dir", t.TempDir(), "--upstream", "http://127.0.0.1:1/simple/")
			out := runRefused(t, awsEnv(tt.creds), args...)
			for _, w := range tt.want(bucket) {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%s", w, out)
				}
			}
			if bucketExists(t, srv, bucket) {
				t.Errorf("bucket %s was created", bucket)
			}
		})
	}
}

// TestS3StartupCreatesBucket: a replica whose credentials may create
// buckets creates the missing one and logs it; a replica with credentials
// that may only use objects then starts on it (no creation line) and
// stores a file there.
func TestS3StartupCreatesBucket(t *testing.T) {
	srv := startMinIO(t)
	bucket := srv.Bucket()
	c := &cluster{srv: srv, storage: "s3://" + bucket + "/tree"}
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)

	for _, kv := range (miniotest.Creds{AccessKey: miniotest.AccessKey, SecretKey: miniotest.SecretKey}).Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	first := c.start(t, up)
	created := func(r *replica) bool {
		return strings.Contains(r.Logs(), "created the missing bucket") && strings.Contains(r.Logs(), bucket)
	}
	wait.For(t, "the line that logs the bucket's creation", func() bool { return created(first) })
	if !bucketExists(t, srv, bucket) {
		t.Fatalf("bucket %s not created", bucket)
	}
	first.stop(t)

	for _, kv := range srv.Restricted(t, miniotest.ObjectsOnlyPolicy).Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	second := c.start(t, up)
	httpGet(t, second.URL+"/simple/projectc/")
	data, path, _ := up.File(fakepypi.DemoC, "projectc-1.1-py3-none-any.whl")
	if got := readAll(second.URL + path); !bytes.Equal(got, data) {
		t.Fatalf("file through the objects-only replica: %d bytes, want %d", len(got), len(data))
	}
	store, err := cache.OpenS3(context.Background(), cache.S3Config{
		Bucket: bucket, Prefix: "tree", Endpoint: srv.Endpoint,
		AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	key, err := cache.KeyForPackagePath(path)
	if err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the file in the bucket", func() bool {
		_, err := store.Stat(context.Background(), key)
		return err == nil
	})
	second.stop(t) // flushes its logs
	if created(second) {
		t.Errorf("the bucket was created twice:\n%s", second.Logs())
	}
}
