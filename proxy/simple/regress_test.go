package simple

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Regression tests for issue 11, each on a page in the shape that broke.

// bandersnatch writes "_last-serial": str(serial) in its JSON pages.
func TestBandersnatchStringSerial(t *testing.T) {
	page := `{"files":[{"filename":"foo-1.0.tar.gz","hashes":{"sha256":"ab"},"requires-python":"","size":3,"upload-time":"2020-01-01T00:00:00.000000Z","url":"../../packages/ab/cd/ef/foo-1.0.tar.gz","yanked":false}],` +
		`"meta":{"api-version":"1.1","_last-serial":"10333928"},"name":"foo","versions":["1.0"]}`
	p, err := ParseProjectJSON([]byte(page), mustURL(t, pageURL))
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta.LastSerial != 10333928 {
		t.Errorf("serial %d", p.Meta.LastSerial)
	}
	root := `{"meta":{"api-version":"1.1","_last-serial":"42"},"projects":[{"name":"foo","_last-serial":"41"},{"name":"bar","_last-serial":7},{"name":"baz","_last-serial":null}]}`
	r, err := ParseRootJSON([]byte(root))
	if err != nil {
		t.Fatal(err)
	}
	if r.Meta.LastSerial != 42 || r.Projects[0].LastSerial != 41 || r.Projects[1].LastSerial != 7 || r.Projects[2].LastSerial != -1 {
		t.Errorf("root serials %+v", r)
	}
	for _, bad := range []string{`"x1"`, `-3`, `"-3"`, `1.5`, `true`} {
		if _, err := ParseProjectJSON([]byte(`{"meta":{"_last-serial":`+bad+`},"files":[]}`), nil); err == nil {
			t.Errorf("_last-serial %s accepted", bad)
		}
	}
}

// The file name is the URL's last path segment, percent-decoded, never the
// anchor text (pip's Link.filename, uv, pypi-simple).
func TestFilenameFromURL(t *testing.T) {
	page := `<a href="bar-2.0b1.tar.gz">bar-1.0b1.tar.gz</a>
<a href="../../packages/aa/bb/cc/Foo-1.0.tar.bz2#sha256=00">Foo-1.0.tar.bz</a>
<a href="/whl/cpu/torchtext-0.17.0%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=11">cpu/torchtext-0.17.0+cpu-cp311-cp311-linux_x86_64.whl</a>
<a href="https://h/simple-1.0.tar.gz#egg=simple-1.0">simple-1.0#egg=simple-1.0</a>
<a href="https://h/x/">a directory</a>`
	p, err := ParseProjectHTML([]byte(page), mustURL(t, pageURL), "bar")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range p.Files {
		names = append(names, f.Filename)
	}
	want := []string{"bar-2.0b1.tar.gz", "Foo-1.0.tar.bz2", "torchtext-0.17.0+cpu-cp311-cp311-linux_x86_64.whl", "simple-1.0.tar.gz", ""}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("file names %q, want %q", names, want)
	}
	if !bytes.Contains(RenderProjectHTML(p), []byte(`>torchtext-0.17.0+cpu-cp311-cp311-linux_x86_64.whl</a>`)) {
		t.Error("rendered text is not the file name")
	}
}

// Only hashes pip checks become binding: pip ignores other names and does
// not percent-decode the fragment.
func TestLinkHashAsPip(t *testing.T) {
	const h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cases := []struct {
		href string
		want map[string]string
	}{
		{"a.whl#sha256=" + h, map[string]string{"sha256": h}},
		{"a.whl#md5=d41d8cd98f00b204e9800998ecf8427e", map[string]string{"md5": "d41d8cd98f00b204e9800998ecf8427e"}},
		{"a.whl#blake2=" + h, map[string]string{}},
		{"a.whl#blake2b_256=" + h, map[string]string{}},
		{"a.whl#sha256%3D" + h, map[string]string{}},
		{"a.whl#SHA256=" + h, map[string]string{}},
		{"a.whl#egg=a&sha256=" + h, map[string]string{"sha256": h}},
		{"a.whl#sha256=" + h + "&egg=a", map[string]string{"sha256": h}},
		{"a.whl#sha256=not-hex", map[string]string{}},
		{"a.whl#sha1=" + h[:40], map[string]string{"sha1": h[:40]}},
	}
	for _, c := range cases {
		p, err := ParseProjectHTML([]byte(`<a href="`+c.href+`">a.whl</a>`), mustURL(t, pageURL), "a")
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Files[0].Hashes; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: hashes %v, want %v", c.href, got, c.want)
		}
		if len(c.want) == 0 && !bytes.Contains(RenderProjectJSON(p), []byte(`"hashes":{}`)) {
			t.Errorf("%s: JSON carries a hash pip would not check: %s", c.href, RenderProjectJSON(p))
		}
	}
	p, err := ParseProjectHTML([]byte(`<a href="a.whl" data-core-metadata="blake2b=`+h+`">a</a><a href="b.whl" data-core-metadata="sha256=`+h+`">b</a>`), nil, "a")
	if err != nil {
		t.Fatal(err)
	}
	if cm := p.Files[0].CoreMetadata; !cm.Available || len(cm.Hashes) != 0 {
		t.Errorf("unknown metadata hash: %+v, want available without hash (pip's supported_hashes)", cm)
	}
	if cm := p.Files[1].CoreMetadata; cm.Hashes["sha256"] != h {
		t.Errorf("metadata hash: %+v", cm)
	}
}

// api-version: HTML keeps upstream's 1.1-1.4; JSON declares 1.1+ only when
// every file has a size.
func TestAPIVersionNotLowered(t *testing.T) {
	page := `<meta name="pypi:repository-version" content="1.3"><meta name="pypi:tracks" content="https://pypi.org/simple/x/"><a href="x-1.whl">x</a>`
	p, err := ParseProjectHTML([]byte(page), mustURL(t, pageURL), "x")
	if err != nil {
		t.Fatal(err)
	}
	if out := RenderProjectHTML(p); !bytes.Contains(out, []byte(`<meta name="pypi:repository-version" content="1.3">`)) {
		t.Errorf("HTML lowered the version:\n%s", out)
	}
	if out := RenderProjectJSON(p); !bytes.Contains(out, []byte(`"api-version":"1.0"`)) {
		t.Errorf("JSON without sizes must be 1.0:\n%s", out)
	}
	p, err = ParseProjectHTML([]byte(strings.Replace(page, `">x<`, `" data-size="5">x<`, 1)), mustURL(t, pageURL), "x")
	if err != nil {
		t.Fatal(err)
	}
	if out := RenderProjectJSON(p); !bytes.Contains(out, []byte(`"api-version":"`+APIVersion+`"`)) || !bytes.Contains(out, []byte(`"size":5`)) {
		t.Errorf("JSON with every size must declare %s:\n%s", APIVersion, out)
	}
	if out := RenderProjectHTML(p); !bytes.Contains(out, []byte(`content="`+APIVersion+`"`)) {
		t.Errorf("HTML with every size: %s", out)
	}
}

// PyPI's and bandersnatch's HTML carry <!--SERIAL n-->.
func TestHTMLSerial(t *testing.T) {
	for _, page := range []string{
		"<html><body><a href=\"x-1.tar.gz\">x</a></body></html>\n<!--SERIAL 10333928-->",
		"<!DOCTYPE html><html><body><a href=\"x-1.tar.gz\">x</a><br/>\n  </body>\n</html>\n<!--SERIAL 10333928-->\n",
		"<!-- other --><!--SERIAL 10333928--><!--SERIAL 5-->",
	} {
		p, err := ParseProjectHTML([]byte(page), nil, "x")
		if err != nil || p.Meta.LastSerial != 10333928 {
			t.Errorf("%q: serial %d, %v", page, p.Meta.LastSerial, err)
			continue
		}
		if !bytes.Contains(RenderProjectHTML(p), []byte("<!--SERIAL 10333928-->")) {
			t.Error("serial not written")
		}
		if !bytes.Contains(RenderProjectJSON(p), []byte(`"_last-serial":10333928`)) {
			t.Error("serial not in JSON")
		}
	}
	r, err := ParseRootHTML([]byte("<a href=\"x/\">x</a>\n<!--SERIAL 77-->"), nil)
	if err != nil || r.Meta.LastSerial != 77 {
		t.Errorf("root serial: %+v %v", r, err)
	}
	for _, junk := range []string{"<!--SERIAL-->", "<!--SERIAL x-->", "<!--serial 5-->", "<!--SERIAL -5-->"} {
		if p, _ := ParseProjectHTML([]byte(junk), nil, "x"); p.Meta.LastSerial != -1 {
			t.Errorf("%s read as serial %d", junk, p.Meta.LastSerial)
		}
	}
}

// versions survive pages without sizes: upstream's when given, else from the
// file names.
func TestVersionsWithoutSizes(t *testing.T) {
	js := `{"meta":{"api-version":"1.0"},"name":"x","versions":["0.1","1.0"],"files":[{"filename":"x-1.0.tar.gz","url":"x-1.0.tar.gz","hashes":{}}]}`
	p, err := ParseProjectJSON([]byte(js), mustURL(t, pageURL))
	if err != nil {
		t.Fatal(err)
	}
	if out := RenderProjectJSON(p); !bytes.Contains(out, []byte(`"versions":["0.1","1.0"]`)) {
		t.Errorf("upstream versions dropped: %s", out)
	}
	html := `<a href="Zope.Interface-4.0.tar.gz">a</a><a href="zope.interface-5.0b1-cp39-cp39-win32.whl">b</a><a href="zope_interface-4.0-py2.7.egg">c</a><a href="zope.interface-4.0.zip">d</a><a href="notes.txt">e</a>`
	p, err = ParseProjectHTML([]byte(html), mustURL(t, pageURL), "zope-interface")
	if err != nil {
		t.Fatal(err)
	}
	if out := RenderProjectJSON(p); !bytes.Contains(out, []byte(`"versions":["4.0","5.0b1"]`)) {
		t.Errorf("versions from file names: %s", out)
	}
}

func TestVersionFromFilename(t *testing.T) {
	for _, c := range []struct{ name, file, want string }{
		{"foo-bar", "foo_bar-1.0-py3-none-any.whl", "1.0"},
		{"foo-bar", "foo_bar-1.0-1-py3-none-any.whl", "1.0"},
		{"foo-bar", "Foo.Bar-2.0rc1.tar.gz", "2.0rc1"},
		{"foo-bar", "foo-bar-1.0-2.tar.bz2", "1.0-2"},
		{"foo", "foo-bar-1.0.tar.gz", "bar-1.0"}, // pip splits the same way
		{"foo", "other-1.0.tar.gz", ""},
		{"foo", "foo-1.0-py2.7.egg", "1.0"},
		{"foo", "foo-1.0.win32.exe", ""},
		{"foo", "foo-1.0-bad.whl", ""},
		{"foo", "foo-1.0.TAR.GZ", "1.0"},
	} {
		if got := VersionFromFilename(c.name, c.file); got != c.want {
			t.Errorf("VersionFromFilename(%q, %q) = %q, want %q", c.name, c.file, got, c.want)
		}
	}
}

// JSON carries PyPI's data-dist-info-metadata beside core-metadata, never
// the PEP 691 dist-info-metadata; HTML carries both attributes.
func TestMetadataKeys(t *testing.T) {
	p := &Project{Name: "x", Files: []File{
		{Filename: "x-1.whl", URL: "https://h/x-1.whl", Size: -1, CoreMetadata: CoreMetadata{Available: true, Hashes: map[string]string{"sha256": "ab"}}},
		{Filename: "x-1.tar.gz", URL: "https://h/x-1.tar.gz", Size: -1},
	}}
	js := RenderProjectJSON(p)
	for _, want := range []string{`"core-metadata":{"sha256":"ab"},"data-dist-info-metadata":{"sha256":"ab"}`, `"core-metadata":false,"data-dist-info-metadata":false`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("JSON lacks %s: %s", want, js)
		}
	}
	if bytes.Contains(js, []byte(`"dist-info-metadata"`)) {
		t.Errorf("JSON has dist-info-metadata (PEP 714): %s", js)
	}
	var doc struct {
		Files []map[string]json.RawMessage `json:"files"`
	}
	if err := json.Unmarshal(js, &doc); err != nil || len(doc.Files) != 2 {
		t.Fatal(err)
	}
	if html := RenderProjectHTML(p); !bytes.Contains(html, []byte(`data-core-metadata="sha256=ab" data-dist-info-metadata="sha256=ab"`)) {
		t.Errorf("HTML: %s", html)
	}
}

// data-size and data-upload-time (uv reads them) survive; data-yanked=""
// is yanked without a reason.
func TestNonStandardAttributesAndEmptyYank(t *testing.T) {
	page := `<a href="x-1.whl#sha256=00" data-size="1234" data-upload-time="2024-01-02T03:04:05.123456Z" data-yanked="">x-1.whl</a>` +
		`<a href="x-2.whl" data-size="12x">x-2.whl</a><a href="x-3.whl" data-yanked>x-3.whl</a>`
	p, err := ParseProjectHTML([]byte(page), mustURL(t, pageURL), "x")
	if err != nil {
		t.Fatal(err)
	}
	f0, f1, f2 := p.Files[0], p.Files[1], p.Files[2]
	if f0.Size != 1234 || f0.UploadTime != "2024-01-02T03:04:05.123456Z" || !f0.Yanked || f0.YankedReason != "" {
		t.Errorf("file 0: %+v", f0)
	}
	if f1.Size != -1 || f1.Yanked || !f2.Yanked {
		t.Errorf("files 1, 2: %+v %+v", f1, f2)
	}
	html := RenderProjectHTML(p)
	for _, want := range []string{`data-yanked="" data-size="1234" data-upload-time="2024-01-02T03:04:05.123456Z">`} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("HTML lacks %s:\n%s", want, html)
		}
	}
	js := RenderProjectJSON(p)
	if !bytes.Contains(js, []byte(`"upload-time":"2024-01-02T03:04:05.123456Z","url":"https://pypi.example.org/simple/holygrail/x-1.whl","yanked":true}`)) {
		t.Errorf("JSON: %s", js)
	}
}
