package index

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/internal/wait"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// zipEntry reads one entry of a zip held in memory (independently of the
// code under test).
func zipEntry(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

// pageMetadata returns the core-metadata sha256 the project's page
// advertises for filename (the service's current page) and its store key.
func pageMetadata(t *testing.T, s *Service, project, filename string) (sha string, key string) {
	t.Helper()
	p, _, err := s.Project(context.Background(), project, false)
	if err != nil {
		t.Fatal(err)
	}
	proj, err := simple.ParseProjectJSON(p.Body(simple.FormatJSON), projectPage{name: project}.base())
	if err != nil {
		t.Fatal(err)
	}
	relativize(proj, projectPage{name: project}.base())
	for _, f := range proj.Files {
		if f.Filename == filename {
			return f.CoreMetadata.Hashes["sha256"], linkKey(f.URL)
		}
	}
	t.Fatalf("%s not on the page of %s", filename, project)
	return "", ""
}

// waitFor polls cond until it holds (the deadline only stops a hang).
func waitFor(t *testing.T, what string, cond func() bool) { t.Helper(); wait.For(t, what, cond) }

// TestExtractsMetadataFromCachedWheel: a wheel whose page offers no PEP 658
// metadata gets it extracted once the wheel is cached: stored as
// <key>.metadata with the wheel's exact METADATA bytes, recorded, and
// advertised with its sha256 on the page, which keeps advertising it
// across refreshes; deleted, it is extracted again on request.
func TestExtractsMetadataFromCachedWheel(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := context.Background()
	const wheel = "nometa-1.0-py3-none-any.whl"
	ts.up.Publish("nometa", fakepypi.Release{Version: "1.0", Wheel: true, NoMetadata: true})
	data, _, _ := ts.up.File("nometa", wheel)
	want := zipEntry(t, data, "nometa-1.0.dist-info/METADATA")
	sum := sha256.Sum256(want)
	wantSHA := hex.EncodeToString(sum[:])

	sha, key := pageMetadata(t, ts.svc, "nometa", wheel)
	if sha != "" {
		t.Fatalf("upstream offers no metadata, the page advertises %q", sha)
	}
	d, _, err := ts.svc.StartDownload(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	<-d.Done()
	d.Release()
	if d.Err() != nil {
		t.Fatal(d.Err())
	}
	waitFor(t, "the page to advertise extracted metadata", func() bool {
		sha, _ := pageMetadata(t, ts.svc, "nometa", wheel)
		return sha != ""
	})
	if sha, _ := pageMetadata(t, ts.svc, "nometa", wheel); sha != wantSHA {
		t.Errorf("advertised sha256 %s, want %s", sha, wantSHA)
	}
	if got, err := cache.ReadObject(ctx, ts.store, cache.MetadataKey(key)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("stored metadata %q (%v), want %q", got, err, want)
	}
	if o, _ := ts.svc.origins.lookup(ctx, key); !o.MetadataExtracted || o.MetadataHashes["sha256"] != wantSHA {
		t.Errorf("record %+v", o)
	}
	// The stored HTML copy says it too (data-core-metadata and the older spelling).
	html, _ := cache.ReadObject(ctx, ts.store, cache.ProjectPageKey("nometa", cache.PageV1HTML))
	for _, attr := range []string{`data-core-metadata="sha256=` + wantSHA, `data-dist-info-metadata="sha256=` + wantSHA} {
		if !bytes.Contains(html, []byte(attr)) {
			t.Errorf("stored HTML lacks %s:\n%s", attr, html)
		}
	}

	// A refresh (upstream still offers none) keeps advertising it.
	if _, _, err := ts.svc.Project(ctx, "nometa", true); err != nil {
		t.Fatal(err)
	}
	if sha, _ := pageMetadata(t, ts.svc, "nometa", wheel); sha != wantSHA {
		t.Errorf("after a refresh the page advertises %q", sha)
	}

	// Gone from the store, it is extracted again on request, never fetched upstream.
	if err := ts.store.Delete(ctx, cache.MetadataKey(key)); err != nil {
		t.Fatal(err)
	}
	ts.up.ResetCounts()
	d, _, err = ts.svc.StartDownload(ctx, cache.MetadataKey(key))
	if err != nil {
		t.Fatal(err)
	}
	<-d.Done()
	d.Release()
	if got, err := cache.ReadObject(ctx, ts.store, cache.MetadataKey(key)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("re-extracted metadata %q (%v)", got, err)
	}
	if n := ts.up.Requests(fakepypi.FilesHost, ""); n != 0 {
		t.Errorf("re-extraction asked the files host %d times", n)
	}
}

// TestExtractionDuringRefreshIsKept: metadata extracted after a refresh
// was prepared, before it commits, is not lost by the commit.
func TestExtractionDuringRefreshIsKept(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := context.Background()
	const wheel = "late-1.0-py3-none-any.whl"
	ts.up.Publish("late", fakepypi.Release{Version: "1.0", Wheel: true, NoMetadata: true})
	_, key := pageMetadata(t, ts.svc, "late", wheel)
	data, _, _ := ts.up.File("late", wheel)
	if err := cache.WriteObject(ctx, ts.store, key, data); err != nil {
		t.Fatal(err)
	}
	kind := projectPage{s: ts.svc, name: "late"}
	u, err := kind.prepare(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts.svc.extractMetadata(ctx, key) // lands between prepare and commit
	if _, err := ts.svc.commit(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	if sha, _ := pageMetadata(t, ts.svc, "late", wheel); sha == "" {
		t.Error("the commit dropped the extracted metadata from the page")
	}
	if o, _ := ts.svc.origins.lookup(ctx, key); !o.MetadataExtracted {
		t.Errorf("the commit dropped the extraction from the record: %+v", o)
	}
}

// TestUpstreamMetadataReplacesExtracted: once upstream offers its own
// metadata with another sha256, the locally extracted copy is deleted and
// the page advertises upstream's.
func TestUpstreamMetadataReplacesExtracted(t *testing.T) {
	ts := newTestService(t, nil)
	ctx := context.Background()
	const wheel = "projectc-1.0-py3-none-any.whl"
	upSHA, key := pageMetadata(t, ts.svc, "projectc", wheel)
	files := ts.svc.origins.files(ctx, "projectc")
	o := files[key]
	o.MetadataHashes, o.MetadataExtracted = map[string]string{"sha256": strings.Repeat("0", 64)}, true
	files[key] = o
	if err := ts.svc.origins.record(ctx, "projectc", files); err != nil {
		t.Fatal(err)
	}
	if err := cache.WriteObject(ctx, ts.store, cache.MetadataKey(key), []byte("Name: stale\n")); err != nil {
		t.Fatal(err)
	}
	// Upstream's page changes (a revalidation of the same bytes is O(1)
	// and touches nothing).
	ts.up.Publish("projectc", fakepypi.Release{Version: "9.9"})
	if _, _, err := ts.svc.Project(ctx, "projectc", true); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.Stat(ctx, cache.MetadataKey(key)); err == nil {
		t.Error("the extracted copy survived upstream offering its own")
	}
	if sha, _ := pageMetadata(t, ts.svc, "projectc", wheel); sha != upSHA {
		t.Errorf("page advertises %s, want upstream's %s", sha, upSHA)
	}
}
