package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestReplicasPipThroughNginx: three replicas on one bucket behind nginx
// (nginx/pypi-replicas.conf); real pip installs through it, every file is
// fetched upstream once, and a file one replica fetched is a hit on the
// others, streamed from S3 with Range support.
func TestReplicasPipThroughNginx(t *testing.T) {
	requirePip(t)
	requireNginx(t)
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	rs := []*replica{c.start(t, up), c.start(t, up), c.start(t, up)}
	n := startNginxReplicas(t, rs)

	dir := t.TempDir()
	pip(t, n.URL+"/simple/", "install", "--target", dir, "projecta")
	if got, want := installed(t, dir), []string{"projecta-1.0", "projectb-1.0", "projectc-1.1"}; !slices.Equal(got, want) {
		t.Fatalf("installed %v, want %v", got, want)
	}
	if got := up.Requests(fakepypi.FilesHost, "/packages/"); got != 3 {
		t.Errorf("files host saw %d requests, want 3", got)
	}
	_, link, ok := up.File("projectc", "projectc-1.1-py3-none-any.whl") // what pip installed
	if !ok {
		t.Fatal("no projectc 1.1 wheel")
	}
	var whole []byte
	for i, r := range rs {
		resp, body := nginxGet(t, r.URL+link)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Cache") != "HIT" {
			t.Errorf("replica %d: %d X-Cache %q, want a hit", i, resp.StatusCode, resp.Header.Get("X-Cache"))
		}
		whole = body
	}
	resp, part := nginxGet(t, rs[1].URL+link, "Range", "bytes=100-163")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, whole[100:164]) {
		t.Errorf("range from S3: %d, %d bytes, match %v", resp.StatusCode, len(part), bytes.Equal(part, whole[100:164]))
	}
	dir = t.TempDir()
	pip(t, n.URL+"/simple/", "install", "--target", dir, "projecta")
	if got := up.Requests(fakepypi.FilesHost, "/packages/"); got != 3 {
		t.Errorf("second install: files host saw %d requests in all, want still 3", got)
	}
}

// bigFile publishes a project with one sdist of n bytes and returns its
// bytes and URL path (the same on the files host and the proxy).
func bigFile(t *testing.T, up *fakepypi.Upstream, n int) ([]byte, string) {
	t.Helper()
	data := bytes.Repeat([]byte("pypi-proxy replicas "), n/20)
	up.Publish("bigone", fakepypi.Release{Version: "1.0", Wheel: true})
	up.AddFile("bigone", "1.0", "bigone-1.0.tar.gz", data)
	_, path, ok := up.File("bigone", "bigone-1.0.tar.gz")
	if !ok {
		t.Fatal("no sdist")
	}
	return data, path
}

// readAll GETs url and returns the body (nil on any error).
func readAll(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	return b
}

// TestReplicasOneUpstreamFetch: 50 concurrent cold requests for one file,
// spread over three replicas, make one upstream GET; every client gets
// the whole file.
func TestReplicasOneUpstreamFetch(t *testing.T) {
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	data, path := bigFile(t, up, 3<<20)
	rs := []*replica{c.start(t, up), c.start(t, up), c.start(t, up)}
	for _, r := range rs {
		httpGet(t, r.URL+"/simple/bigone/")
	}
	gate := up.Hold(fakepypi.FilesHost, path)
	const clients = 50
	bodies := make([][]byte, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bodies[i] = readAll(rs[i%len(rs)].URL + path)
		}()
	}
	<-gate.Arrived()
	waitFor(t, "every client to reach a replica's download", func() bool {
		var joined float64
		for _, r := range rs {
			_, m := httpGet(t, r.URL+"/metrics")
			joined += metricValue(t, m, "pypi_proxy_coalesced_requests_total", `kind="file"`)
		}
		return joined == clients-float64(len(rs))
	})
	gate.Release()
	wg.Wait()
	for i, b := range bodies {
		if !bytes.Equal(b, data) {
			t.Fatalf("client %d got %d bytes, want the whole file", i, len(b))
		}
	}
	if n := up.Requests(fakepypi.FilesHost, path); n != 1 {
		t.Errorf("upstream saw %d GETs of the file, want 1", n)
	}
}

// TestReplicaKilledMidDownload: the replica downloading a file is killed
// (SIGKILL) mid-stream: nothing is visible under the file's key, and a
// client of another replica gets the whole file once the dead replica's
// lease expires.
func TestReplicaKilledMidDownload(t *testing.T) {
	c := newCluster(t)
	up := fakepypi.New(fakepypi.Options{FilesBandwidth: 2 << 20})
	defer up.Close()
	data, path := bigFile(t, up, 5<<20)
	a := c.start(t, up, "--s3-lease-ttl", "3s")
	b := c.start(t, up, "--s3-lease-ttl", "3s")
	httpGet(t, a.URL+"/simple/bigone/")
	httpGet(t, b.URL+"/simple/bigone/")

	resp := readFirstMiB(t, a.URL+path)
	defer resp.Body.Close()
	other := make(chan []byte, 1)
	go func() { other <- readAll(b.URL + path) }()
	a.kill()
	key, err := cache.KeyForPackagePath(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.store.Stat(context.Background(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after the kill, the key holds something: %v", err)
	}
	if rest, _ := io.ReadAll(resp.Body); 1<<20+len(rest) >= len(data) {
		t.Error("replica a's client got the whole file from a killed replica")
	}
	if got := <-other; !bytes.Equal(got, data) {
		t.Fatalf("replica b's client got %d bytes, want the whole file", len(got))
	}
	info, err := c.store.Stat(context.Background(), key)
	if err != nil || info.Size != int64(len(data)) {
		t.Fatalf("published object: %+v, %v", info, err)
	}
}
