package fakepypi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

const pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

func TestNegotiation(t *testing.T) {
	u := newDemo(t, Options{})
	htmlOnly := newDemo(t, Options{HTMLOnly: true})
	tests := []struct {
		name   string
		up     *Upstream
		accept string
		query  string
		want   string
		status int
	}{
		{"no accept", u, "", "", MediaHTML, 200},
		{"star", u, "*/*", "", MediaHTML, 200},
		{"pip", u, pipAccept, "", MediaJSON, 200},
		{"json only", u, MediaJSON, "", MediaJSON, 200},
		{"latest json", u, "application/vnd.pypi.simple.latest+json", "", MediaJSON, 200},
		{"v1 html", u, MediaHTMLv1, "", MediaHTMLv1, 200},
		{"text html", u, "text/html", "", MediaHTML, 200},
		{"html preferred by q", u, MediaJSON + ";q=0.5, text/html", "", MediaHTML, 200},
		{"tie goes to html", u, MediaJSON + ", text/html", "", MediaHTML, 200},
		{"unacceptable falls back", u, "image/png", "", MediaHTML, 200},
		{"format overrides", u, "text/html", "?format=" + url.QueryEscape(MediaJSON), MediaJSON, 200},
		{"bad format", u, "", "?format=foo/bar", "", 406},
		{"html only ignores json", htmlOnly, pipAccept, "", MediaHTMLv1, 200},
		{"html only json alone", htmlOnly, MediaJSON, "", MediaHTML, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"", "projecta/"} {
				resp, body := get(t, tc.up.IndexURL()+path+tc.query, map[string]string{"Accept": tc.accept})
				if resp.StatusCode != tc.status {
					t.Fatalf("%q: status %d, want %d", path, resp.StatusCode, tc.status)
				}
				if tc.status != 200 {
					continue
				}
				if got := resp.Header.Get("Content-Type"); got != tc.want {
					t.Errorf("%q: Content-Type %q, want %q", path, got, tc.want)
				}
				if resp.Header.Get("Vary") != "Accept" || resp.Header.Get("Cache-Control") != "max-age=600, public" {
					t.Errorf("%q: headers %v", path, resp.Header)
				}
				isJSON := json.Valid(body)
				if isJSON != (tc.want == MediaJSON) {
					t.Errorf("%q: body JSON=%v for %s", path, isJSON, tc.want)
				}
			}
		})
	}
}

func TestRedirectsAndNotFound(t *testing.T) {
	u := newDemo(t, Options{})
	tests := []struct {
		path     string
		status   int
		location string
	}{
		{"/simple", 301, "/simple/"},
		{"/simple/projecta", 301, "/simple/projecta/"},
		{"/simple/Project_D/", 301, "/simple/project-d/"},
		{"/simple/PROJECT.d/", 301, "/simple/project-d/"},
		{"/simple/project-d/", 200, ""},
		{"/simple/nope/", 404, ""},
		{"/simple/Nope_X/", 404, ""},
		{"/pypi/project-d/json", 301, "/pypi/Project_D/json"},
		{"/pypi/Project_D/json", 200, ""},
		{"/pypi/Project_D/1.0/json", 200, ""},
		{"/pypi/Project_D/9.9/json", 404, ""},
		{"/pypi/nope/json", 404, ""},
		{"/other", 404, ""},
	}
	for _, tc := range tests {
		resp, _ := get(t, u.BaseURL()+tc.path, nil)
		if resp.StatusCode != tc.status || resp.Header.Get("Location") != tc.location {
			t.Errorf("%s: %d %q, want %d %q", tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.status, tc.location)
		}
	}
}

func TestConditional(t *testing.T) {
	u := newDemo(t, Options{})
	for _, accept := range []string{MediaJSON, "text/html"} {
		for _, page := range []string{u.IndexURL(), u.IndexURL() + "projecta/", u.BaseURL() + "/pypi/projecta/json"} {
			resp, _ := get(t, page, map[string]string{"Accept": accept})
			etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			if !strings.HasPrefix(etag, `"`) || lm == "" {
				t.Fatalf("%s: ETag %q Last-Modified %q", page, etag, lm)
			}
			tests := []struct {
				hdr  map[string]string
				want int
			}{
				{map[string]string{"If-None-Match": etag}, 304},
				{map[string]string{"If-None-Match": `"x", ` + etag}, 304},
				{map[string]string{"If-None-Match": `"other"`}, 200},
				{map[string]string{"If-Modified-Since": lm}, 304},
				{map[string]string{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, 200},
			}
			for _, tc := range tests {
				tc.hdr["Accept"] = accept
				resp, body := get(t, page, tc.hdr)
				if resp.StatusCode != tc.want {
					t.Errorf("%s %v: %d, want %d", page, tc.hdr, resp.StatusCode, tc.want)
				}
				if tc.want == 304 && (len(body) != 0 || resp.Header.Get("ETag") != etag) {
					t.Errorf("%s: 304 with body %d bytes, ETag %q", page, len(body), resp.Header.Get("ETag"))
				}
			}
		}
	}
	// A change gives a new ETag.
	resp, _ := get(t, u.IndexURL()+"projectc/", nil)
	u.Publish("projectc", Release{Version: "2.0"})
	resp2, _ := get(t, u.IndexURL()+"projectc/", map[string]string{"If-None-Match": resp.Header.Get("ETag")})
	if resp2.StatusCode != 200 {
		t.Errorf("after publish: %d, want 200", resp2.StatusCode)
	}
}

func TestSerialsAndPages(t *testing.T) {
	u := New(Options{})
	defer u.Close()
	var last int64
	steps := []func() int64{
		func() int64 {
			return u.Publish("Foo_Bar", Release{Version: "1.0", RequiresPython: ">=3.8", Requires: []string{"dep>=1"}})
		},
		func() int64 { return u.Publish("foo-bar", Release{Version: "1.1", Wheel: true}) },
		func() int64 { return u.Yank("foo.bar", "1.0", "") },
		func() int64 { return u.Unyank("FOO_BAR", "1.0") },
		func() int64 { return u.Yank("foo_bar", "1.1", "bad <stuff>") },
		func() int64 { return u.Publish("other", Release{Version: "0.1", Sdist: true}) },
	}
	for i, step := range steps {
		s := step()
		if s <= last || s != u.Serial() {
			t.Fatalf("step %d: serial %d after %d (Serial()=%d)", i, s, last, u.Serial())
		}
		last = s
	}
	if u.Yank("nope", "1", "") != 0 || u.Yank("foo-bar", "9", "") != 0 {
		t.Error("yank of unknown release should return 0")
	}
	d := detail(t, u, "foo-bar")
	if d.Name != "foo-bar" || d.Meta.APIVersion != APIVersion || d.Meta.LastSerial != u.ProjectSerial("Foo_Bar") {
		t.Errorf("meta: %+v name %q", d.Meta, d.Name)
	}
	if strings.Join(d.Versions, ",") != "1.0,1.1" || len(d.Files) != 3 {
		t.Fatalf("versions %v, %d files", d.Versions, len(d.Files))
	}
	byName := map[string]simpleFile{}
	for _, f := range d.Files {
		byName[f.Filename] = f
	}
	w10 := byName["foo_bar-1.0-py3-none-any.whl"]
	sd10 := byName["foo_bar-1.0.tar.gz"]
	w11 := byName["foo_bar-1.1-py3-none-any.whl"]
	if w10.Yanked != false || w11.Yanked != "bad <stuff>" {
		t.Errorf("yanked: %v %v", w10.Yanked, w11.Yanked)
	}
	if w10.RequiresPython == nil || *w10.RequiresPython != ">=3.8" || w11.RequiresPython != nil {
		t.Errorf("requires-python: %v %v", w10.RequiresPython, w11.RequiresPython)
	}
	if w10.CoreMetadata == false || sd10.CoreMetadata != false || w10.DataDistInfoMetadata == false {
		t.Errorf("core-metadata: %v %v", w10.CoreMetadata, sd10.CoreMetadata)
	}
	if !strings.HasPrefix(w10.URL, u.FilesURL()+"/packages/") || !strings.HasSuffix(w10.UploadTime, "Z") {
		t.Errorf("url %q upload-time %q", w10.URL, w10.UploadTime)
	}
	data, path, ok := u.File("Foo_Bar", w10.Filename)
	if !ok || u.FilesURL()+path != w10.URL || w10.Size != len(data) {
		t.Errorf("File: %v %q", ok, path)
	}
	// Yank with an empty reason is true in JSON and data-yanked="" in HTML.
	u.Yank("foo-bar", "1.0", "")
	if f := detail(t, u, "foo-bar").Files[0]; f.Yanked != true {
		t.Errorf("empty-reason yank: %v", f.Yanked)
	}
	_, body := get(t, u.IndexURL()+"foo-bar/", nil)
	for _, want := range []string{
		`<meta name="pypi:repository-version" content="1.3">`,
		`<title>Links for foo-bar</title>`,
		`data-requires-python="&gt;=3.8"`,
		`data-yanked=""`,
		`data-yanked="bad &lt;stuff&gt;"`,
		`data-core-metadata="sha256=`,
		`data-dist-info-metadata="sha256=`,
		`#sha256=` + w10.Hashes["sha256"],
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("HTML lacks %q:\n%s", want, body)
		}
	}
	// Root pages.
	resp, body := get(t, u.IndexURL(), map[string]string{"Accept": MediaJSON})
	var root simpleRoot
	if err := json.Unmarshal(body, &root); err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-PyPI-Last-Serial") != strconv.FormatInt(u.Serial(), 10) || root.Meta.LastSerial != u.Serial() ||
		len(root.Projects) != 2 || root.Projects[0].Name != "Foo_Bar" || root.Projects[0].LastSerial != u.ProjectSerial("foo-bar") {
		t.Errorf("root: %+v", root)
	}
	_, body = get(t, u.IndexURL(), nil)
	if !strings.Contains(string(body), `<a href="/simple/foo-bar/">Foo_Bar</a>`) {
		t.Errorf("HTML root: %s", body)
	}
}

func TestRemovals(t *testing.T) {
	u := newDemo(t, Options{})
	whl := "projectc-1.0-py3-none-any.whl"
	fileURL := u.FileURL("projectc", whl)
	if resp, _ := get(t, fileURL, nil); resp.StatusCode != 200 {
		t.Fatalf("file: %d", resp.StatusCode)
	}
	if u.RemoveFile("projectc", whl) == 0 || u.RemoveFile("projectc", whl) != 0 {
		t.Fatal("RemoveFile")
	}
	if resp, _ := get(t, fileURL, nil); resp.StatusCode != 404 {
		t.Errorf("removed file: %d", resp.StatusCode)
	}
	u.RemoveFile("projectc", "projectc-1.0.tar.gz")
	d := detail(t, u, "projectc")
	if strings.Join(d.Versions, ",") != "1.1" || len(d.Files) != 2 {
		t.Errorf("after file removal: %v %d", d.Versions, len(d.Files))
	}
	u.RemoveRelease("projectc", "1.1")
	if d := detail(t, u, "projectc"); len(d.Files) != 0 || len(d.Versions) != 0 {
		t.Errorf("after release removal: %+v", d)
	}
	u.RemoveProject("projectc")
	if resp, _ := get(t, u.IndexURL()+"projectc/", nil); resp.StatusCode != 404 {
		t.Errorf("removed project: %d", resp.StatusCode)
	}
	if _, ok := u.ProjectSerials()["projectc"]; ok {
		t.Error("removed project still listed")
	}
}

func TestJSONAPI(t *testing.T) {
	u := newDemo(t, Options{})
	_, body := get(t, u.BaseURL()+"/pypi/projecta/json", nil)
	var doc jsonDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.Version != "1.0" || doc.Info.Name != "projecta" || len(doc.Releases) != 3 || len(doc.URLs) != 2 {
		t.Fatalf("doc: %+v", doc.Info)
	}
	if doc.Releases["1.1"][0].Yanked != true || *doc.Releases["1.1"][0].YankedReason != "broken build" {
		t.Errorf("yanked 1.1: %+v", doc.Releases["1.1"][0])
	}
	for _, f := range doc.URLs {
		resp, data := get(t, f.URL, nil)
		if resp.StatusCode != 200 || len(data) != f.Size || f.Digests["sha256"] == "" || f.Digests["blake2b_256"] == "" {
			t.Errorf("%s: %d %d", f.URL, resp.StatusCode, len(data))
		}
	}
	_, body = get(t, u.BaseURL()+"/pypi/projectb/1.1/json", nil)
	doc = jsonDoc{}
	json.Unmarshal(body, &doc)
	if doc.Info.Version != "1.1" || *doc.Info.RequiresPython != ">=3.99" || doc.Releases != nil {
		t.Errorf("version doc: %+v", doc.Info)
	}
}

func TestCounts(t *testing.T) {
	u := newDemo(t, Options{})
	for i := 0; i < 3; i++ {
		get(t, u.IndexURL()+"projecta/", nil)
	}
	get(t, u.IndexURL()+"projectb/", nil)
	get(t, u.FileURL("projecta", "projecta-1.0.tar.gz"), nil)
	if n := u.Requests(IndexHost, "/simple/projecta/"); n != 3 {
		t.Errorf("projecta: %d", n)
	}
	if n := u.Requests(IndexHost, ""); n != 4 {
		t.Errorf("index total: %d", n)
	}
	if n := u.Requests(FilesHost, "/packages/"); n != 1 {
		t.Errorf("files: %d", n)
	}
	u.ResetCounts()
	if u.Requests(IndexHost, "") != 0 {
		t.Error("reset")
	}
	_ = http.MethodGet
}
