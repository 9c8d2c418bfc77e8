package prefetch_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
)

func TestVerifyFindsAndRepairs(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	fakepypi.PublishDemo(e.up)
	e.sync()
	files := e.page("projectc").Files
	var corrupt, deleted string
	for _, f := range files {
		if strings.HasSuffix(f.Filename, ".whl") {
			deleted = fileKey(f) + ".metadata"
		} else {
			corrupt = fileKey(f)
		}
	}
	unowned := "web/packages/ab/cd/ef0123/stray-1.0.tar.gz"
	path := func(key string) string { return filepath.Join(e.dir, filepath.FromSlash(key)) }
	data, _ := os.ReadFile(path(corrupt))
	data[len(data)/2] ^= 0xff
	os.WriteFile(path(corrupt), data, 0o644)
	os.Remove(path(deleted))
	os.MkdirAll(filepath.Dir(path(unowned)), 0o755)
	os.WriteFile(path(unowned), []byte("stray"), 0o644)

	verify := func(repair bool) *prefetch.VerifyReport {
		t.Helper()
		_, srv, store := e.mirror()
		rep, err := prefetch.Verify(context.Background(), prefetch.VerifyConfig{
			Store: store, Origins: srv, Fetcher: srv, Workers: 4, Repair: repair, DeleteUnowned: repair, Logger: quietLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := verify(false)
	// Without --delete-unowned the tree is not walked: unowned files are not looked for.
	if rep.Corrupt != 1 || rep.Missing != 1 || rep.Unowned != 0 || rep.Files != 24 || rep.OK != 22 || rep.Unfixed(false) != 2 {
		t.Fatalf("verify: %+v", rep)
	}
	rep = verify(true)
	if rep.Repaired != 2 || rep.Unowned != 1 || rep.Deleted != 1 || rep.Unfixed(true) != 0 {
		t.Fatalf("verify --repair --delete-unowned: %+v", rep)
	}
	e.checkProject("projectc", 4)
	if _, err := os.Stat(path(unowned)); !os.IsNotExist(err) {
		t.Error("unowned file survived --delete-unowned")
	}
	if rep := verify(false); rep.OK != 24 || rep.Unfixed(true) != 0 {
		t.Errorf("after repair: %+v", rep)
	}
}
