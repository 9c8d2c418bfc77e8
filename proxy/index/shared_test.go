package index

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/internal/miniotest"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// replicaServices builds two services ("replicas") over one bucket prefix
// on a real MinIO and one fake upstream.
func replicaServices(t *testing.T) (*fakepypi.Upstream, *Service, *Service) {
	t.Helper()
	srv := miniotest.Shared(t)
	up := fakepypi.New(fakepypi.Options{})
	t.Cleanup(up.Close)
	fakepypi.PublishDemo(up)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bucket := srv.Bucket()
	svc := func() *Service {
		s3, err := cache.OpenS3(context.Background(), cache.S3Config{
			Bucket: bucket, Prefix: "tree", Endpoint: srv.Endpoint, CreateBucket: true,
			AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey, Logger: log,
		})
		if err != nil {
			t.Fatal(err)
		}
		client, err := upstream.New(upstream.Config{IndexURL: up.IndexURL(), TrustedFileHosts: []string{up.FilesHost()}, Retries: -1, Timeout: 5 * time.Second, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{Upstream: upstream.Single{Index: client}, Store: s3, IndexTTL: time.Hour,
			SpoolDir: t.TempDir(), Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	return up, svc(), svc()
}

// age makes the in-memory page of name as old as d, as if d had passed.
func age(s *Service, name string, d time.Duration) {
	kind := projectPage{s: s, name: name}
	p, ok := s.pages.mem.Get(kind.memKey())
	if !ok {
		panic("page not in memory: " + name)
	}
	s.pages.keep(kind, p.with(func(c *Page) { c.fetched = time.Now().Add(-d) }))
	s.pages.mem.Wait()
}

// TestReplicaNeverServesOlderPage: replica b's memory holds serial s1
// while replica a stores s2. Past b's TTL, b serves a's page without
// asking upstream; revalidating against a lagging upstream (one serial
// behind) b keeps a's page rather than going back.
func TestReplicaNeverServesOlderPage(t *testing.T) {
	up, a, b := replicaServices(t)
	ctx := context.Background()
	name := fakepypi.DemoC
	p1, _, err := b.Project(ctx, name, false)
	if err != nil {
		t.Fatal(err)
	}
	up.Publish(name, fakepypi.Release{Version: "2.0"})
	up.Publish(name, fakepypi.Release{Version: "2.1"})
	p2, _, err := a.Project(ctx, name, true)
	if err != nil || p2.Serial() <= p1.Serial() {
		t.Fatalf("replica a: serial %d after %d, %v", p2.Serial(), p1.Serial(), err)
	}
	prefix := fmt.Sprintf("/simple/%s/", name)

	age(b, name, 2*time.Hour) // b's copy is past the TTL; a's stored one is not
	up.ResetCounts()
	got, o, err := b.Project(ctx, name, false)
	if err != nil || got.Serial() != p2.Serial() || o != Hit {
		t.Fatalf("replica b served serial %d (%s, %v), want a's %d as a hit", got.Serial(), o, err, p2.Serial())
	}
	if n := up.Requests(fakepypi.IndexHost, prefix); n != 0 {
		t.Errorf("b asked upstream %d times for a page a had just stored", n)
	}

	b.pages.keep(projectPage{s: b, name: name}, p1) // b's memory still has the old page
	age(b, name, 2*time.Hour)
	up.SetFault(fakepypi.Fault{Host: fakepypi.IndexHost, PathPrefix: prefix, Kind: fakepypi.FaultStale})
	got, o, err = b.Project(ctx, name, true) // pip's max-age=0: revalidate
	if err != nil || got.Serial() != p2.Serial() {
		t.Fatalf("replica b served serial %d (%s, %v) after a stored %d", got.Serial(), o, err, p2.Serial())
	}
	stored, err := a.pages.loadStored(ctx, projectPage{s: a, name: name})
	if err != nil || stored.Serial() != p2.Serial() {
		t.Fatalf("stored page now has serial %d (%v), want %d", stored.Serial(), err, p2.Serial())
	}
}
