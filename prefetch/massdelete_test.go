package prefetch_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

func genName(i int) string { return fmt.Sprintf("genpkg-%06d", i) }

// TestMassDeleteRefusedBeforeAnything: a pass whose changelog removes more
// than MassDeletePercent of the mirror removes nothing, keeps status, and
// names --allow-mass-delete; with AllowMassDelete it goes through.
func TestMassDeleteRefusedBeforeAnything(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts fakepypi.Options
	}{{"xmlrpc", fakepypi.Options{}}, {"json-root", fakepypi.Options{NoXMLRPC: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			e.up.GenerateProjects(20, 1)
			e.sync()
			status := e.status()
			for i := range 3 { // 3 of 20 is 15%
				e.up.RemoveProject(genName(i))
			}
			st, err := e.trySync()
			if !errors.Is(err, prefetch.ErrMassDelete) || !strings.Contains(err.Error(), "--allow-mass-delete") {
				t.Fatalf("sync: %v, want ErrMassDelete naming --allow-mass-delete", err)
			}
			if st.Removed != 0 || e.page(genName(0)) == nil || e.status() != status {
				t.Errorf("refused pass removed %d projects (page of %s there: %v), status %s -> %s",
					st.Removed, genName(0), e.page(genName(0)) != nil, status, e.status())
			}
			e.configure = func(c *prefetch.Config, _ *index.Config) { c.AllowMassDelete = true }
			if st := e.sync(); st.Removed != 3 || e.page(genName(0)) != nil {
				t.Errorf("with AllowMassDelete: removed %d, want 3", st.Removed)
			}
		})
	}
}

// TestMassDeleteDuringPass: projects whose pages vanish upstream during a
// pass (404: a wrong upstream, an index emptied) are removed only up to
// the allowance; the rest stay, in todo, and status does not advance.
func TestMassDeleteDuringPass(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	e.up.GenerateProjects(40, 1) // allowance: 5% of 40 = 2
	e.sync()
	status := e.status()
	for i := range 10 {
		e.up.Publish(genName(i), fakepypi.Release{Version: "2.0", Wheel: true})
	}
	e.up.SetFault(fakepypi.Fault{Host: fakepypi.IndexHost, PathPrefix: "/simple/genpkg-", Status: 404})
	st, err := e.trySync()
	if !errors.Is(err, prefetch.ErrMassDelete) {
		t.Fatalf("sync: %v, want ErrMassDelete", err)
	}
	if st.Removed > 2 {
		t.Errorf("removed %d projects, the allowance is 2", st.Removed)
	}
	left := 0
	for i := range 10 {
		if e.page(genName(i)) != nil {
			left++
		}
	}
	if left < 8 || e.status() != status {
		t.Errorf("%d of 10 pages left (want >= 8); status %s -> %s", left, status, e.status())
	}
	todo, ok := e.read("todo")
	if !ok || strings.Count(todo, "genpkg-") < 8 {
		t.Errorf("the refused projects are not in todo:\n%s", todo)
	}
	e.up.ClearFaults()
	if st := e.sync(); st.Removed != 0 {
		t.Errorf("after the fault cleared: removed %d", st.Removed)
	}
	e.checkProject(genName(5), 2)
}
