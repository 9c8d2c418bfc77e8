package fakepypi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// WriteBandersnatchTree writes the fake's projects into dir as a bandersnatch
// 6-8 mirror with its default configuration (simple-format ALL, digest sha256,
// hash-index off, json = true) lays them out, byte for byte in the shapes its
// simple.py and mirror.py write:
//
//   - status (the serial), generation ("5"), web/last-modified, an empty
//     web/local-stats/days/;
//   - web/simple/<name>/index.html and index.v1_html (the same bytes): meta
//     pypi:repository-version "1.0", links "../../packages/...#sha256=<hex>"
//     sorted by file name, html.escape'd data-requires-python, data-yanked
//     (the reason, or "" without one), <br/> and a trailing
//     "<!--SERIAL n-->" without newline;
//   - web/simple/<name>/index.v1_json: api-version "1.1", "_last-serial" as a
//     string, "versions" sorted as strings, per file filename, hashes,
//     requires-python, size, upload-time, url and yanked (a boolean);
//   - web/simple/index.html, index.v1_html and index.v1_json (numeric serial);
//   - web/json/<name> (PyPI's JSON API document) and web/pypi/<name>/json, a
//     symlink to it;
//   - web/packages/... as on the file host.
//
// It returns the serial written to status.
func (u *Upstream) WriteBandersnatchTree(dir string) (int64, error) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	w := &treeWriter{dir: dir}
	w.mkdir("web/local-stats/days")
	w.file("status", []byte(strconv.FormatInt(u.serial, 10)))
	w.file("generation", []byte("5"))
	w.file("web/last-modified", []byte(SerialTime(u.serial).UTC().Format("20060102T15:04:05")+"\n"))
	ps := u.sortedProjectsLocked()
	for _, p := range ps {
		u.writeBandersnatchProjectLocked(w, p)
	}
	w.rootPages(ps, u.serial)
	return u.serial, w.err
}

type treeWriter struct {
	dir string
	err error
}

func (w *treeWriter) mkdir(rel string) {
	if w.err == nil {
		w.err = os.MkdirAll(filepath.Join(w.dir, filepath.FromSlash(rel)), 0o755)
	}
}

func (w *treeWriter) file(rel string, data []byte) {
	w.mkdir(filepath.Dir(rel))
	if w.err == nil {
		w.err = os.WriteFile(filepath.Join(w.dir, filepath.FromSlash(rel)), data, 0o644)
	}
}

func (w *treeWriter) symlink(target, rel string) {
	w.mkdir(filepath.Dir(rel))
	if w.err == nil {
		w.err = os.Symlink(filepath.Join(w.dir, filepath.FromSlash(target)), filepath.Join(w.dir, filepath.FromSlash(rel)))
	}
}

// pyEscape is Python's html.escape(s, quote=True).
func pyEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(s)
}

// bandersnatchJSONFile is one file of bandersnatch's index.v1_json, its keys
// in the order it writes them.
type bandersnatchJSONFile struct {
	Filename       string            `json:"filename"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython *string           `json:"requires-python"`
	Size           int               `json:"size"`
	UploadTime     string            `json:"upload-time"`
	URL            string            `json:"url"`
	Yanked         bool              `json:"yanked"`
}

func (u *Upstream) writeBandersnatchProjectLocked(w *treeWriter, p *project) {
	files := p.sortedFiles()
	slices.SortFunc(files, func(a, b *fileEntry) int { return cmpString(a.filename, b.filename) })
	var h bytes.Buffer
	fmt.Fprintf(&h, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n"+
		"    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", p.name, p.name)
	links := make([]string, 0, len(files))
	jfiles := make([]bandersnatchJSONFile, 0, len(files))
	for _, f := range files {
		rel := p.releases[f.version]
		tags := ""
		if rel.requiresPython != "" {
			tags += ` data-requires-python="` + pyEscape(rel.requiresPython) + `"`
		}
		if rel.yanked {
			tags += ` data-yanked="` + pyEscape(rel.yankedReason) + `"`
		}
		links = append(links, fmt.Sprintf(`    <a href="../..%s#sha256=%s"%s>%s</a><br/>`, f.urlPath, f.sha256, tags, f.filename))
		jfiles = append(jfiles, bandersnatchJSONFile{
			Filename: f.filename, Hashes: map[string]string{"sha256": f.sha256},
			RequiresPython: optString(rel.requiresPython), Size: len(f.data),
			UploadTime: uploadTime(f.uploadTime), URL: "../.." + f.urlPath, Yanked: rel.yanked,
		})
		w.file("web"+f.urlPath, f.data)
	}
	h.WriteString(strings.Join(links, "\n"))
	fmt.Fprintf(&h, "\n  </body>\n</html>\n<!--SERIAL %d-->", p.serial)
	versions := make([]string, 0, len(p.releases))
	for v := range p.releases {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	page := struct {
		Files []bandersnatchJSONFile `json:"files"`
		Meta  struct {
			APIVersion string `json:"api-version"`
			LastSerial string `json:"_last-serial"`
		} `json:"meta"`
		Name     string   `json:"name"`
		Versions []string `json:"versions"`
	}{Files: jfiles, Name: p.norm, Versions: versions}
	page.Meta.APIVersion, page.Meta.LastSerial = "1.1", strconv.FormatInt(p.serial, 10)
	js, err := json.Marshal(page)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.file("web/simple/"+p.norm+"/index.html", h.Bytes())
	w.file("web/simple/"+p.norm+"/index.v1_html", h.Bytes())
	w.file("web/simple/"+p.norm+"/index.v1_json", js)
	if rel := p.latest(); rel != nil {
		w.file("web/json/"+p.norm, marshal(u.jsonDocLocked(p, rel, true)))
		w.symlink("web/json/"+p.norm, "web/pypi/"+p.norm+"/json")
	}
}

func (w *treeWriter) rootPages(ps []*project, serial int64) {
	var h bytes.Buffer
	h.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n" +
		"    <title>Simple Index</title>\n  </head>\n  <body>\n")
	type proj struct {
		Name string `json:"name"`
	}
	root := struct {
		Meta struct {
			LastSerial int64  `json:"_last-serial"`
			APIVersion string `json:"api-version"`
		} `json:"meta"`
		Projects []proj `json:"projects"`
	}{Projects: []proj{}}
	root.Meta.LastSerial, root.Meta.APIVersion = serial, "1.1"
	for _, p := range ps {
		fmt.Fprintf(&h, "    <a href=\"%s/\">%s</a><br/>\n", p.norm, p.norm)
		root.Projects = append(root.Projects, proj{p.norm})
	}
	h.WriteString("  </body>\n</html>")
	js, err := json.Marshal(root)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.file("web/simple/index.html", h.Bytes())
	w.file("web/simple/index.v1_html", h.Bytes())
	w.file("web/simple/index.v1_json", js)
}
