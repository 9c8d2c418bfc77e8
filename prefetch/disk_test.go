package prefetch_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestFullDiskSync: a mirror whose disk fills up mid-sync fails the pass
// (status stays behind), leaves no temp file and no page linking a file
// that is not there; once there is room, the next pass completes.
func TestFullDiskSync(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	e := newEnv(t, fakepypi.Options{})
	e.dir = dir
	const projects = 80 // 2 wheels and 2 metadata files each, 4 KiB pages on tmpfs: about 3 MiB in all
	e.up.GenerateProjects(projects, 2)

	if st, err := e.trySync(); err == nil {
		t.Fatalf("a sync larger than the disk succeeded: %+v", st)
	}
	if got := e.status(); got == serialString(e.up.Serial()) {
		t.Errorf("status advanced to %s although projects did not fit", got)
	}
	stored := 0
	for i := range projects {
		p := e.page(fmt.Sprintf("genpkg-%06d", i))
		if p == nil {
			continue
		}
		stored++
		for _, f := range p.Files {
			if _, ok := e.read(fileKey(f)); !ok {
				t.Errorf("a stored page links %s, which is not on disk", f.Filename)
			}
		}
	}
	if stored == projects {
		t.Error("every page was stored on a disk too small for them")
	}
	checkNoTempFiles(t, dir)

	if out, err := exec.Command("mount", "-o", "remount,size=64m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	e.sync()
	for i := range projects {
		e.checkProject(fmt.Sprintf("genpkg-%06d", i), 2)
	}
	if got := e.status(); got != serialString(e.up.Serial()) {
		t.Errorf("status %s after the pass with room, want %d", got, e.up.Serial())
	}
	if _, ok := e.read(cache.TodoKey); ok {
		t.Error("todo left after a complete pass")
	}
	checkNoTempFiles(t, dir)
}

func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), cache.TempPrefix) {
			t.Errorf("temp file left: %s", p)
		}
		return nil
	})
}
