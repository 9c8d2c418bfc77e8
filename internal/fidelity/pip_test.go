package fidelity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// bareYanked finds a data-yanked attribute without a value.
var bareYanked = regexp.MustCompile(`\sdata-yanked[\s/>]`)

// pipLink is one link as pip's parser and LinkEvaluator see it.
type pipLink struct {
	Filename       string            `json:"filename"`
	URL            string            `json:"url"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython *string           `json:"requires_python"`
	YankedReason   *string           `json:"yanked_reason"`
	Metadata       any               `json:"metadata"`
	Evaluation     []string          `json:"evaluation"` // link type and version, or why pip skips it
}

type pipJob struct {
	ID          string `json:"id"`
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
	Project     string `json:"project"`
}

// requirePip skips without Debian's pip, or fails under PYPI_PROXY_E2E_REQUIRED.
func requirePip(t *testing.T) {
	t.Helper()
	err := exec.Command(fakepypi.SystemPython, "-c", "import pip._internal.index.collector").Run()
	if err == nil {
		return
	}
	if os.Getenv("PYPI_PROXY_E2E_REQUIRED") != "" {
		t.Fatalf("pip (%s) is required (PYPI_PROXY_E2E_REQUIRED is set): %v", fakepypi.SystemPython, err)
	}
	t.Skipf("pip unavailable: %v", err)
}

// runPip runs pip's parser over every job at once.
func runPip(t *testing.T, jobs []pipJob) map[string][]pipLink {
	t.Helper()
	in, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "pip", "pip_links.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(fakepypi.SystemPython, script)
	cmd.Env = fakepypi.PipEnv(t.TempDir())
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pip's parser: %v\n%s", err, stderr.Bytes())
	}
	var res map[string][]pipLink
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("pip's parser output: %v\n%s", err, out)
	}
	return res
}

// TestPipSeesTheSame: pip's own parser finds the same files, versions (its
// LinkEvaluator's verdict), hashes, yanks and requires-python on each
// collected page directly and on both renderings of it by the proxy.
func TestPipSeesTheSame(t *testing.T) {
	requirePip(t)
	dir := t.TempDir()
	var jobs []pipJob
	pages := map[string]corpusPage{}
	for _, c := range corpus(t) {
		if c.root() {
			continue
		}
		data := c.read(t)
		htmlOut, jsonOut := throughProxy(t, c, data)
		id := strings.ReplaceAll(c.File, "/", "_")
		pages[id] = c
		for _, v := range []struct {
			suffix, ctype string
			body          []byte
		}{
			{".orig", map[bool]string{false: "text/html", true: simple.MediaTypeJSONV1}[c.json()], data},
			{".html", "text/html", htmlOut},
			{".json", simple.MediaTypeJSONV1, jsonOut},
		} {
			p := filepath.Join(dir, id+v.suffix)
			if err := os.WriteFile(p, v.body, 0o644); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, pipJob{ID: id + v.suffix, Path: p, ContentType: v.ctype, URL: c.pageURL().String(), Project: c.name()})
		}
	}
	res := runPip(t, jobs)
	for id, c := range pages {
		orig := res[id+".orig"]
		if len(orig) == 0 && !strings.Contains(id, "empty") {
			t.Errorf("%s: pip finds no links on the original", c.File)
		}
		// A bare data-yanked (no value) is yanked by PEP 592 ("the presence
		// of a data-yanked attribute SHOULD be interpreted as" yanked), as
		// poetry and pypi-simple read it; pip (and uv) take it for not
		// yanked. The proxy follows the PEP, so pip sees a yank there.
		bareYank := !c.json() && bareYanked.Match(c.read(t))
		for _, format := range []string{".html", ".json"} {
			if errs := comparePip(orig, res[id+format], c.json(), format == ".json", bareYank); len(errs) > 0 {
				t.Errorf("pip on the proxy's %s of %s (%s:%s):\n  %s", format[1:], c.File, c.Repo, c.Path, strings.Join(errs, "\n  "))
			}
		}
	}
}

// comparePip lists what pip sees differently through the proxy. A JSON
// original carries several hashes where an HTML link carries one; pip
// before 23.2 reads metadata only from data-dist-info-metadata and never
// from JSON's core-metadata (PEP 714), so metadata is compared on HTML only.
func comparePip(want, got []pipLink, wantJSON, gotJSON, bareYank bool) []string {
	var errs []string
	if len(got) != len(want) {
		return []string{fmt.Sprintf("%d links, want %d", len(got), len(want))}
	}
	for i := range want {
		w, g := want[i], got[i]
		if bareYank && w.YankedReason == nil && g.YankedReason != nil && *g.YankedReason == "" {
			w.YankedReason = g.YankedReason
		}
		if g.Filename != w.Filename || g.URL != w.URL || !reflect.DeepEqual(g.RequiresPython, w.RequiresPython) ||
			!reflect.DeepEqual(g.YankedReason, w.YankedReason) || !reflect.DeepEqual(g.Evaluation, w.Evaluation) {
			errs = append(errs, fmt.Sprintf("link %d:\n    got  %s\n    want %s", i, show(g), show(w)))
			continue
		}
		if !sameHashes(g.Hashes, w.Hashes, wantJSON && !gotJSON) {
			errs = append(errs, fmt.Sprintf("link %d %s: hashes %v, want %v", i, w.Filename, g.Hashes, w.Hashes))
		}
		if !gotJSON && w.Metadata != nil && !reflect.DeepEqual(g.Metadata, w.Metadata) {
			errs = append(errs, fmt.Sprintf("link %d %s: metadata %v, want %v", i, w.Filename, g.Metadata, w.Metadata))
		}
	}
	return errs
}

func show(l pipLink) string {
	b, _ := json.Marshal(l)
	return string(b)
}
