package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestMirrorAndVerifyOnS3: `mirror` syncs into a bucket, `verify` checks
// it there, finds a corrupted file and repairs it.
func TestMirrorAndVerifyOnS3(t *testing.T) {
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	s3 := []string{"--storage", c.storage, "--s3-endpoint", c.srv.Endpoint, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost()}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(binary, append(args, s3...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("mirror", "--cache-dir", t.TempDir(), "--allow", "projectc", "--progress", "none"); err != nil {
		t.Fatalf("mirror: %v\n%s", err, out)
	}
	ctx := context.Background()
	_, path, _ := up.File(fakepypi.DemoC, "projectc-1.1-py3-none-any.whl")
	key, _ := cache.KeyForPackagePath(path)
	if _, err := c.store.Stat(ctx, key); err != nil {
		t.Fatalf("mirrored file not in the bucket: %v", err)
	}
	if out, err := run("verify", "--cache-dir", t.TempDir()); err != nil || !strings.Contains(out, "corrupt 0") {
		t.Fatalf("verify of a good mirror: %v\n%s", err, out)
	}
	if err := cache.WriteObject(ctx, c.store, key, []byte("not a wheel")); err != nil {
		t.Fatal(err)
	}
	if out, err := run("verify", "--cache-dir", t.TempDir()); err == nil || !strings.Contains(out, "corrupt 1") {
		t.Fatalf("verify missed a corrupt file: %v\n%s", err, out)
	}
	if out, err := run("verify", "--repair", "--cache-dir", t.TempDir()); err != nil || !strings.Contains(out, "repaired 1") {
		t.Fatalf("verify --repair: %v\n%s", err, out)
	}
}
