package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestReplicaLocalCopies: with --s3-local-copies a replica keeps the files
// it reads from the bucket on its disk and serves hits from there; a file
// deleted from the bucket by another replica is not served from the copy
// (the replica fetches it again instead).
func TestReplicaLocalCopies(t *testing.T) {
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	dir := t.TempDir()
	r := c.start(t, up, "--cache-dir", dir, "--s3-local-copies", "64MiB")
	_, link, ok := up.File("projectc", "projectc-1.1-py3-none-any.whl")
	if !ok {
		t.Fatal("no projectc 1.1 wheel")
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	key, err := cache.KeyForPackagePath(u.Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cache.PackageDigest(key); !ok {
		t.Fatalf("%s does not name its blake2b-256: the fake's layout changed", key)
	}
	copyPath := filepath.Join(cache.LocalCopiesDir(dir), filepath.FromSlash(key))

	nginxGet(t, r.URL+"/simple/projectc/")
	_, first := nginxGet(t, r.URL+link) // a miss: downloaded into the bucket
	resp, second := nginxGet(t, r.URL+link)
	if resp.Header.Get("X-Cache") != "HIT" || !bytes.Equal(first, second) {
		t.Fatalf("second GET: X-Cache %q, same bytes %v", resp.Header.Get("X-Cache"), bytes.Equal(first, second))
	}
	if got, err := os.ReadFile(copyPath); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("local copy after a hit read from the bucket: %v (same bytes %v)", err, bytes.Equal(got, first))
	}
	resp, third := nginxGet(t, r.URL+link)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Cache") != "HIT" || !bytes.Equal(third, first) {
		t.Fatalf("hit from the copy: %d X-Cache %q", resp.StatusCode, resp.Header.Get("X-Cache"))
	}
	fetched := up.Requests(fakepypi.FilesHost, "/packages/")

	if err := c.store.Delete(context.Background(), key); err != nil { // another replica deletes it
		t.Fatal(err)
	}
	resp, fourth := nginxGet(t, r.URL+link)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(fourth, first) {
		t.Fatalf("after the bucket lost it: %d", resp.StatusCode)
	}
	if got := up.Requests(fakepypi.FilesHost, "/packages/"); got != fetched+1 {
		t.Errorf("files host saw %d requests after the delete, want %d: the copy of a deleted file was served", got, fetched+1)
	}
}
