package fidelity

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// corpusPage is one checked-in page and where it came from.
type corpusPage struct {
	File, Repo, Path, Commit string
}

// root reports whether the page is a root index rather than a project page.
func (c corpusPage) root() bool {
	for _, s := range []string{"indexes/root/index.", "indexes/extra/index.", "session01/simple.html", "test/data/simple"} {
		if strings.Contains(c.Path, s) {
			return true
		}
	}
	return false
}

func (c corpusPage) json() bool { return strings.HasSuffix(c.File, ".json") }

// name guesses the project of a page from its path: the directory of an
// index.html, else the file's stem.
func (c corpusPage) name() string {
	base := stem(c.Path)
	if base == "index" || base == "yanked" {
		base = stem(filepath.Dir(c.Path))
	}
	return simple.Normalize(base)
}

func stem(p string) string {
	b := filepath.Base(p)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// pageURL is where the page is taken to be served.
func (c corpusPage) pageURL() *url.URL {
	u, _ := url.Parse("https://index.example/simple/" + c.name() + "/")
	return u
}

func (c corpusPage) read(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", c.File))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// corpus lists testdata/SOURCES: file, repository, path, commit per line.
func corpus(t testing.TB) []corpusPage {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "SOURCES"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusPage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 4 {
			t.Fatalf("SOURCES: bad line %q", line)
		}
		out = append(out, corpusPage{p[0], p[1], p[2], p[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("only %d pages in the corpus", len(out))
	}
	return out
}

// throughProxy parses a page as the proxy does and renders both formats.
func throughProxy(t testing.TB, c corpusPage, data []byte) (htmlOut, jsonOut []byte) {
	t.Helper()
	var p *simple.Project
	var err error
	if c.json() {
		p, err = simple.ParseProjectJSON(data, c.pageURL())
	} else {
		p, err = simple.ParseProjectHTML(data, c.pageURL(), c.name())
	}
	if err != nil {
		t.Fatalf("the proxy refuses the page: %v", err)
	}
	p.Name = c.name() // as the proxy does (parseProjectPage)
	return simple.RenderProjectHTML(p), simple.RenderProjectJSON(p)
}

func readRef(t testing.TB, data []byte, asJSON bool, u *url.URL) *refPage {
	t.Helper()
	var p *refPage
	var err error
	if asJSON {
		p, err = readJSON(data, u)
	} else {
		p, err = readHTML(data, u)
	}
	if err != nil {
		t.Fatalf("reference reader: %v", err)
	}
	return p
}

// TestCorpusThroughProxy runs every collected page through the proxy's
// parse and render, in both formats, and checks that every field of the
// original survives, as the reference reader sees it.
func TestCorpusThroughProxy(t *testing.T) {
	for _, c := range corpus(t) {
		t.Run(c.File, func(t *testing.T) {
			data := c.read(t)
			if c.root() {
				checkRoot(t, c, data)
				return
			}
			orig := readRef(t, data, c.json(), c.pageURL())
			htmlOut, jsonOut := throughProxy(t, c, data)
			for _, out := range []struct {
				asJSON bool
				body   []byte
			}{{false, htmlOut}, {true, jsonOut}} {
				got := readRef(t, out.body, out.asJSON, c.pageURL())
				what := map[bool]string{false: "HTML", true: "JSON"}[out.asJSON]
				if errs := comparePages(orig, got, c.json(), out.asJSON, c.name()); len(errs) > 0 {
					t.Errorf("%s from %s (%s:%s@%.12s):\n  %s\n--- output:\n%s", what, c.File, c.Repo, c.Path, c.Commit,
						strings.Join(errs, "\n  "), out.body)
				}
			}
		})
	}
}

// comparePages lists what got (the proxy's output) lost or changed of want
// (the original), given the formats of both.
func comparePages(want, got *refPage, wantJSON, gotJSON bool, name string) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if got.Serial != want.Serial {
		bad("serial %d, want %d", got.Serial, want.Serial)
	}
	if got.Status != want.Status || got.Reason != want.Reason {
		bad("project-status %q %q, want %q %q", got.Status, got.Reason, want.Status, want.Reason)
	}
	if !sameStrings(got.Tracks, want.Tracks) || !sameStrings(got.Alternates, want.Alternates) {
		bad("tracks %q alternate-locations %q, want %q %q", got.Tracks, got.Alternates, want.Tracks, want.Alternates)
	}
	allSizes := true
	for _, f := range want.Files {
		allSizes = allSizes && f.Size >= 0
	}
	// api-version: never lowered, except in JSON where 1.1+ needs every size.
	if minor(got.APIVersion) < min(minor(want.APIVersion), minor(simple.APIVersion)) && (!gotJSON || allSizes) {
		bad("api-version %q, want at least %q", got.APIVersion, want.APIVersion)
	}
	if gotJSON && !allSizes && got.APIVersion != "1.0" {
		bad("api-version %q for a page without every size, want 1.0", got.APIVersion)
	}
	if gotJSON {
		if want.Versions != nil && !reflect.DeepEqual(got.Versions, want.Versions) {
			bad("versions %q, want upstream's %q", got.Versions, want.Versions)
		}
		for _, f := range want.Files {
			if v := simple.VersionFromFilename(name, f.Filename); want.Versions == nil && v != "" && !slices.Contains(got.Versions, v) {
				bad("versions %q lack %q of %s", got.Versions, v, f.Filename)
			}
		}
	}
	if len(got.Files) != len(want.Files) {
		bad("%d files, want %d", len(got.Files), len(want.Files))
		return errs
	}
	for i := range want.Files {
		w, g := want.Files[i], got.Files[i]
		if w.Filename == "" {
			w.Filename = g.Filename // a JSON file without "filename": the proxy takes the URL's
		}
		if g.Filename != w.Filename || g.URL != w.URL || g.RequiresPython != w.RequiresPython ||
			g.Yanked != w.Yanked || g.YankedReason != w.YankedReason || g.Size != w.Size || g.UploadTime != w.UploadTime {
			bad("file %d:\n    got  %+v\n    want %+v", i, g, w)
			continue
		}
		if !sameHashes(g.Hashes, w.Hashes, wantJSON && !gotJSON) {
			bad("file %d %s: hashes %v, want %v", i, w.Filename, g.Hashes, w.Hashes)
		}
		if g.Metadata != w.Metadata || !sameHashes(g.MetadataHashes, w.MetadataHashes, wantJSON && !gotJSON) {
			bad("file %d %s: metadata %v %v, want %v %v", i, w.Filename, g.Metadata, g.MetadataHashes, w.Metadata, w.MetadataHashes)
		}
	}
	return errs
}

// sameHashes: equal maps, or, where an HTML link (one hash) carries a JSON
// file's hashes, one of them, a name pip checks when there is one.
func sameHashes(got, want map[string]string, oneOf bool) bool {
	if !oneOf {
		return len(got) == len(want) && (len(got) == 0 || reflect.DeepEqual(got, want))
	}
	pipOK := false
	for k := range want {
		pipOK = pipOK || pipHashes[k]
	}
	if !pipOK {
		return len(got) == 0 || len(got) == 1 && sameSubset(got, want)
	}
	return len(got) == 1 && sameSubset(got, want)
}

func sameSubset(got, want map[string]string) bool {
	for k, v := range got {
		if want[k] != v {
			return false
		}
	}
	return true
}

func sameStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func minor(v string) int {
	_, m, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(m)
	return n
}

// checkRoot: every project name of a root index survives both renderings.
func checkRoot(t *testing.T, c corpusPage, data []byte) {
	var r *simple.RootIndex
	var err error
	if c.json() {
		r, err = simple.ParseRootJSON(data)
	} else {
		r, err = simple.ParseRootHTML(data, c.pageURL())
	}
	if err != nil || len(r.Projects) == 0 {
		t.Fatalf("root: %v %+v", err, r)
	}
	fromJSON, err := simple.ParseRootJSON(simple.RenderRootJSON(r))
	if err != nil {
		t.Fatal(err)
	}
	fromHTML, err := simple.ParseRootHTML(simple.RenderRootHTML(r), c.pageURL())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON.Projects, r.Projects) {
		t.Errorf("root through JSON: %+v, want %+v", fromJSON, r)
	}
	for i := range r.Projects {
		if fromHTML.Projects[i].Name != r.Projects[i].Name {
			t.Errorf("root through HTML: %q, want %q", fromHTML.Projects[i].Name, r.Projects[i].Name)
		}
	}
}
