package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// leads reports whether a replica has logged that it leads the prefetcher.
func leads(r *replica) bool { return strings.Contains(r.Logs(), "this replica leads the mirror") }

// TestPrefetchLeaderTakeover: of two replicas with --prefetch on one
// bucket, one mirrors and the other waits; when the leader is killed
// (SIGKILL) the other takes over and keeps the mirror current.
func TestPrefetchLeaderTakeover(t *testing.T) {
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	args := []string{"--prefetch", "--prefetch-interval", "300ms", "--allow", "projectc", "--s3-lease-ttl", "3s"}
	a := c.start(t, up, args...)
	waitFor(t, "the first replica to lead", func() bool { return leads(a) })
	b := c.start(t, up, args...)
	ctx := context.Background()
	waitFor(t, "the leader's first pass", func() bool {
		_, err := c.store.Stat(ctx, cache.StatusKey)
		return err == nil
	})
	if leads(b) {
		t.Fatal("two replicas lead the prefetcher at once")
	}
	a.kill()
	waitFor(t, "the second replica to take over", func() bool { return leads(b) })
	up.Publish(fakepypi.DemoC, fakepypi.Release{Version: "1.5", Wheel: true})
	_, path, _ := up.File(fakepypi.DemoC, "projectc-1.5-py3-none-any.whl")
	key, err := cache.KeyForPackagePath(path)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new leader to mirror a new release", func() bool {
		_, err := c.store.Stat(ctx, key)
		return err == nil
	})
}

// TestReplicaS3Redirect: with --s3-redirect a stored file is answered with
// a 302 to a presigned URL from which MinIO serves the same bytes; a miss
// is still streamed.
func TestReplicaS3Redirect(t *testing.T) {
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	data, path := bigFile(t, up, 1<<20)
	r := c.start(t, up, "--s3-redirect")
	httpGet(t, r.URL+"/simple/bigone/")
	if got := readAll(r.URL + path); !bytes.Equal(got, data) {
		t.Fatalf("cold request: %d bytes, want the file streamed", len(got))
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(r.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, c.srv.Endpoint+"/") {
		t.Fatalf("warm request: %d Location %q, want a 302 to %s", resp.StatusCode, loc, c.srv.Endpoint)
	}
	direct, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Body.Close()
	got, _ := io.ReadAll(direct.Body)
	if direct.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Fatalf("presigned URL: %d, %d bytes, want the file", direct.StatusCode, len(got))
	}
}
