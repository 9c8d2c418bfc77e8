package prefetch_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/prefetch/filter"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

func serialString(n int64) string { return strconv.FormatInt(n, 10) }

func TestFullThenIncrementalSync(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   fakepypi.Options
		source string
	}{
		{"xmlrpc", fakepypi.Options{}, "xmlrpc"},
		{"xmlrpc-paged", fakepypi.Options{ChangelogPageSize: 3}, "xmlrpc"},
		{"json-root", fakepypi.Options{NoXMLRPC: true}, "json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			fakepypi.PublishDemo(e.up)
			st := e.sync()
			if !st.Full || st.Source != tc.source || st.Projects != 4 || len(st.Failed) != 0 {
				t.Fatalf("full sync stats %+v", st)
			}
			if got := e.status(); got != serialString(e.up.Serial()) {
				t.Errorf("status %q, want %d", got, e.up.Serial())
			}
			e.checkProject("projecta", 6)
			e.checkProject("projectb", 4)
			e.checkProject("projectc", 4)
			e.checkProject("project-d", 2)
			if _, ok := e.read(cache.TodoKey); ok {
				t.Error("todo left after a complete pass")
			}
			root, _ := e.read(cache.RootPageKey(cache.PageV1JSON))
			for _, n := range []string{"projecta", "projectb", "projectc", "project-d"} {
				if !strings.Contains(root, `"name":"`+n+`"`) {
					t.Errorf("root index lacks %s: %s", n, root)
				}
			}

			// Incremental: only the changed projects are asked for.
			e.up.Publish("projectc", fakepypi.Release{Version: "2.0"})
			e.up.Publish("newproj", fakepypi.Release{Version: "0.1"})
			for i := range 4 { // enough rows for several changelog pages
				e.up.Publish("projectb", fakepypi.Release{Version: fmt.Sprintf("3.%d", i), Wheel: true})
			}
			e.up.ResetCounts()
			st = e.sync()
			if st.Full || st.Projects != 3 || len(st.Failed) != 0 {
				t.Fatalf("incremental stats %+v", st)
			}
			if n := e.up.Requests(fakepypi.IndexHost, "/simple/projecta/"); n != 0 {
				t.Errorf("unchanged projecta asked %d times", n)
			}
			if tc.opts.ChangelogPageSize > 0 {
				if n := e.up.Requests(fakepypi.IndexHost, "/pypi"); n < 4 {
					t.Errorf("changelog read in %d XML-RPC calls; want paging", n)
				}
			}
			e.checkProject("projectc", 6)
			e.checkProject("newproj", 2)
			e.checkProject("projectb", 8)
			if got := e.status(); got != serialString(e.up.Serial()) {
				t.Errorf("status %q, want %d", got, e.up.Serial())
			}
			if st := e.sync(); st.Projects != 0 {
				t.Errorf("a pass with nothing new synced %d projects", st.Projects)
			}
		})
	}
}

func TestYankUnyankRemoval(t *testing.T) {
	for _, opts := range []fakepypi.Options{{}, {NoXMLRPC: true}} {
		t.Run(fmt.Sprintf("noxmlrpc=%v", opts.NoXMLRPC), func(t *testing.T) {
			e := newEnv(t, opts)
			fakepypi.PublishDemo(e.up)
			e.sync()
			yanked := func() map[string]bool {
				out := map[string]bool{}
				for _, f := range e.page("projectc").Files {
					out[f.Filename] = f.Yanked
				}
				return out
			}
			e.up.Yank("projectc", "1.0", "bad")
			e.sync()
			y := yanked()
			if !y["projectc-1.0-py3-none-any.whl"] || y["projectc-1.1-py3-none-any.whl"] {
				t.Errorf("after yank: %v", y)
			}
			e.up.Unyank("projectc", "1.0")
			e.sync()
			if y := yanked(); y["projectc-1.0-py3-none-any.whl"] {
				t.Errorf("after unyank: %v", y)
			}

			// A removed release's files are deleted.
			oldKeys := map[string]bool{}
			for _, f := range e.page("projectc").Files {
				if strings.Contains(f.Filename, "-1.0") {
					oldKeys[fileKey(f)] = true
				}
			}
			e.up.RemoveRelease("projectc", "1.0")
			st := e.sync()
			if st.FilesRemoved != 2 {
				t.Errorf("files removed %d, want 2", st.FilesRemoved)
			}
			e.checkProject("projectc", 2)
			for key := range oldKeys {
				if _, ok := e.read(key); ok {
					t.Errorf("%s still on disk after its release was removed", key)
				}
				if _, ok := e.read(key + ".metadata"); ok {
					t.Errorf("%s.metadata still on disk", key)
				}
			}

			// A removed project disappears: pages, files, root entry.
			files := e.page("projectb").Files
			e.up.RemoveProject("projectb")
			st = e.sync()
			if st.Removed != 1 {
				t.Errorf("removed %d projects, want 1", st.Removed)
			}
			if e.page("projectb") != nil {
				t.Error("projectb's page survived its removal")
			}
			for _, f := range files {
				if _, ok := e.read(fileKey(f)); ok {
					t.Errorf("%s survived its project's removal", f.Filename)
				}
			}
			root, _ := e.read(cache.RootPageKey(cache.PageV1HTML))
			if strings.Contains(root, "projectb") || !strings.Contains(root, "projecta") {
				t.Errorf("root index after removal:\n%s", root)
			}
		})
	}
}

func TestStalePageRetriedNeverStored(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	fakepypi.PublishDemo(e.up)
	e.sync()
	before := e.status()

	// A lagging CDN node for two requests: retried, then the fresh page.
	e.up.Publish("projectc", fakepypi.Release{Version: "2.0"})
	e.up.SetFault(fakepypi.Fault{Host: fakepypi.IndexHost, PathPrefix: "/simple/projectc/", Kind: fakepypi.FaultStale, Times: 2})
	e.sync()
	e.checkProject("projectc", 6)
	if p := e.page("projectc"); p.Meta.LastSerial != e.up.ProjectSerial("projectc") {
		t.Errorf("stored serial %d, want %d", p.Meta.LastSerial, e.up.ProjectSerial("projectc"))
	}

	// A node that never catches up: the pass fails for that project, status
	// stays, todo keeps it, the stored page is not replaced by the stale one.
	before = e.status()
	e.up.Publish("projectc", fakepypi.Release{Version: "3.0"})
	e.up.SetFault(fakepypi.Fault{Host: fakepypi.IndexHost, PathPrefix: "/simple/projectc/", Kind: fakepypi.FaultStale})
	st, err := e.trySync()
	if !errors.Is(err, prefetch.ErrIncomplete) || len(st.Failed) != 1 {
		t.Fatalf("sync with a stuck stale page: %v %+v", err, st)
	}
	if e.status() != before {
		t.Errorf("status advanced to %s past a failed project (was %s)", e.status(), before)
	}
	if todo, _ := e.read(cache.TodoKey); !strings.Contains(todo, "projectc") {
		t.Errorf("todo %q lacks the failed project", todo)
	}
	if p := e.page("projectc"); len(p.Files) != 6 {
		t.Errorf("stale page stored: %d files", len(p.Files))
	}
	e.up.ClearFaults()
	e.sync()
	e.checkProject("projectc", 8)
	if got := e.status(); got != serialString(e.up.Serial()) {
		t.Errorf("status %s, want %d", got, e.up.Serial())
	}
}

// TestPageStoredOnlyWithItsFiles: the tree never links a file that is not
// there (a static server of it must not 404 on a link): a page is written
// after its files, so a release whose file cannot be fetched leaves the
// previous page in place, and a file that left the page is deleted only
// once the new page is written.
func TestPageStoredOnlyWithItsFiles(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	fakepypi.PublishDemo(e.up)
	e.sync()
	old := e.page("projectc") // 1.0 and 1.1, a wheel and an sdist each
	var removed simple.File
	for _, f := range old.Files {
		if strings.HasPrefix(f.Filename, "projectc-1.0") {
			removed = f
		}
	}
	e.up.RemoveRelease("projectc", "1.0")
	e.up.Publish("projectc", fakepypi.Release{Version: "2.0", Wheel: true})
	_, wheelPath, ok := e.up.File("projectc", "projectc-2.0-py3-none-any.whl")
	if !ok {
		t.Fatal("no 2.0 wheel upstream")
	}
	e.up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, PathPrefix: wheelPath, Status: 500})
	if _, err := e.trySync(); !errors.Is(err, prefetch.ErrIncomplete) {
		t.Fatalf("sync with an unfetchable file: %v", err)
	}
	stored := e.page("projectc")
	if len(stored.Files) != len(old.Files) || stored.Meta.LastSerial != old.Meta.LastSerial {
		t.Errorf("page rewritten before its files were there: %d files, serial %d (was %d, %d)",
			len(stored.Files), stored.Meta.LastSerial, len(old.Files), old.Meta.LastSerial)
	}
	for _, f := range stored.Files {
		if _, ok := e.read(fileKey(f)); !ok {
			t.Errorf("the stored page links %s, which is not on disk", f.Filename)
		}
	}
	e.up.ClearFaults()
	e.sync()
	e.checkProject("projectc", 3) // 1.1's two files, 2.0's wheel
	if _, ok := e.read(fileKey(removed)); ok {
		t.Errorf("%s, removed upstream, still on disk after the page was rewritten", removed.Filename)
	}
}

func TestSyncProjectsAndDependencies(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	fakepypi.PublishDemo(e.up)
	e.up.Publish("unrelated", fakepypi.Release{Version: "1.0"})
	set, err := filter.New(filter.Config{Allow: []string{"projecta"}, WithDependencies: true})
	if err != nil {
		t.Fatal(err)
	}
	e.configure = func(m *prefetch.Config, p *index.Config) {
		m.Filters, m.WithDependencies, p.Filter = set, true, set.Page
	}
	st := e.sync()
	if st.Projects != 3 {
		t.Errorf("synced %d projects, want projecta and its closure projectb, projectc", st.Projects)
	}
	for _, n := range []string{"projecta", "projectb", "projectc"} {
		if e.page(n) == nil {
			t.Errorf("%s not mirrored", n)
		}
	}
	for _, n := range []string{"unrelated", "project-d"} {
		if e.page(n) != nil {
			t.Errorf("%s mirrored though outside the closure", n)
		}
	}
	// mirror --project: just that one, now, status untouched.
	e.configure = nil
	status := e.status()
	m, _, _ := e.mirror()
	if _, err := m.SyncProjects(context.Background(), []string{"Unrelated"}); err != nil {
		t.Fatal(err)
	}
	e.checkProject("unrelated", 2)
	if e.status() != status {
		t.Error("SyncProjects moved status")
	}
}

func TestLockExclusive(t *testing.T) {
	dir := t.TempDir()
	l, err := prefetch.AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prefetch.AcquireLock(dir); !errors.Is(err, prefetch.ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	l.Release()
	l2, err := prefetch.AcquireLock(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.Release()
}

// TestSyncJSONAPIDocuments: with JSON on, each project's JSON API document
// is mirrored at web/pypi/<name>/json and web/json/<name>, its file URLs
// pointing into the tree.
func TestSyncJSONAPIDocuments(t *testing.T) {
	e := newEnv(t, fakepypi.Options{})
	fakepypi.PublishDemo(e.up)
	e.configure = func(m *prefetch.Config, p *index.Config) { m.JSON = true }
	e.sync()
	for _, key := range []string{"web/pypi/projecta/json", "web/json/projecta"} {
		doc, ok := e.read(key)
		if !ok {
			t.Fatalf("%s not mirrored", key)
		}
		if !strings.Contains(doc, `"/packages/`) || strings.Contains(doc, e.up.FilesURL()) {
			t.Errorf("%s: file URLs not pointing into the tree: %.300s", key, doc)
		}
	}
}
