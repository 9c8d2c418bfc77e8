package prefetch_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// TestIndexOnly: an index-only mirror holds the pages and the PEP 658
// metadata but no distribution; verify --present-only is clean on it, plain
// verify calls the distributions missing; serve fetches one when asked.
func TestIndexOnly(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	fakepypi.PublishDemo(e.up)
	e.configure = func(m *prefetch.Config, _ *index.Config) { m.IndexOnly = true }
	e.sync()
	p := e.page("projectc")
	if p == nil || len(p.Files) != 4 {
		t.Fatalf("projectc page: %+v", p)
	}
	var wheel string
	metadata := 0
	for _, f := range p.Files {
		if _, ok := e.read(fileKey(f)); ok {
			t.Errorf("distribution %s fetched by an index-only mirror", f.Filename)
		}
		if f.CoreMetadata.Available {
			metadata++
			wheel = fileKey(f)
			if _, ok := e.read(fileKey(f) + ".metadata"); !ok {
				t.Errorf("metadata of %s not mirrored", f.Filename)
			}
		}
	}
	if metadata == 0 {
		t.Fatal("no wheel with metadata in the demo set")
	}

	_, srv, store := e.mirror()
	verify := func(presentOnly bool) *prefetch.VerifyReport {
		rep, err := prefetch.Verify(context.Background(), prefetch.VerifyConfig{
			Store: store, Origins: srv, Workers: 4, PresentOnly: presentOnly, Logger: quietLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := verify(true); rep.Unfixed(false) != 0 || rep.Absent == 0 || rep.OK == 0 {
		t.Errorf("verify --present-only on an index-only mirror: %+v", rep)
	}
	if rep := verify(false); rep.Missing == 0 {
		t.Errorf("plain verify found nothing missing on an index-only mirror: %+v", rep)
	}

	if _, err := srv.FetchFile(context.Background(), wheel); err != nil {
		t.Fatalf("a distribution of an index-only mirror, fetched when asked for: %v", err)
	}
	if _, err := store.Stat(context.Background(), wheel); err != nil {
		t.Errorf("the distribution serve fetched was not kept: %v", err)
	}
}

// TestStopOnError: the first failed project ends the pass; it and every
// project not synced yet stay in todo, status does not move, and the next
// pass without the fault completes.
func TestStopOnError(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	fakepypi.PublishDemo(e.up)
	e.configure = func(m *prefetch.Config, _ *index.Config) { m.StopOnError, m.Workers = true, 1 }
	// Projects go in name order: project-d, projecta, projectb, projectc.
	e.up.SetFault(fakepypi.Fault{Host: fakepypi.IndexHost, PathPrefix: "/simple/projectb/", Status: 500})
	st, err := e.trySync()
	if !errors.Is(err, prefetch.ErrIncomplete) {
		t.Fatalf("pass with a failing project: %v", err)
	}
	if st.Projects != 2 {
		t.Errorf("%d projects synced before the failure, want 2 (project-d, projecta)", st.Projects)
	}
	todo, _ := e.read(cache.TodoKey) // "serial\nname serial\n..."
	for _, name := range []string{"projectb", "projectc"} {
		if !strings.Contains(todo, "\n"+name+" ") {
			t.Errorf("todo lacks %s: %q", name, todo)
		}
	}
	if e.page("projectc") != nil {
		t.Error("a project after the failure was synced")
	}
	if e.status() != "" {
		t.Errorf("status written by a stopped pass: %s", e.status())
	}
	e.up.ClearFaults()
	e.sync()
	e.checkProject("projectc", 4)
	if got := e.status(); got != serialString(e.up.Serial()) {
		t.Errorf("status %s, want %d", got, e.up.Serial())
	}
}
