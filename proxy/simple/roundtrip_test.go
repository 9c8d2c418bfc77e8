package simple

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// htmlView keeps the fields an HTML page can carry: one hash (sha256, else the
// first), one core-metadata hash, no version list.
func htmlView(p *Project) *Project {
	c := *p
	c.Versions = nil
	c.Meta.APIVersion = ""
	c.Files = make([]File, len(p.Files))
	for i, f := range p.Files {
		f.Hashes = firstHash(f.Hashes)
		if f.CoreMetadata.Available {
			f.CoreMetadata.Hashes = firstHash(f.CoreMetadata.Hashes)
		}
		c.Files[i] = f
	}
	return &c
}

func firstHash(m map[string]string) map[string]string {
	out := map[string]string{}
	if k, ok := preferredHash(m); ok {
		out[k] = m[k]
	}
	return out
}

func TestRoundTripJSON(t *testing.T) {
	base := mustURL(t, pageURL)
	p1, err := ParseProjectJSON(readFixture(t, "project.json"), base)
	if err != nil {
		t.Fatal(err)
	}
	out1 := RenderProjectJSON(p1)
	if !json.Valid(out1) {
		t.Fatalf("invalid JSON:\n%s", out1)
	}
	p2, err := ParseProjectJSON(out1, base)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p1, p2) {
		t.Errorf("JSON -> model -> JSON -> model changed the model:\n%+v\n%+v", p1, p2)
	}
	if out2 := RenderProjectJSON(p2); !bytes.Equal(out1, out2) {
		t.Errorf("render not a fixed point:\n%s\n%s", out1, out2)
	}
	for _, want := range []string{`"api-version":"1.4"`, `"_last-serial":24623412`, `"size":24011`, `"versions":[`,
		`"core-metadata":true`, `"core-metadata":false`, `"yanked":true`, `"yanked":"Broken on Windows: \"quoted\" <reason> & more"`,
		`"project-status":{"reason":`, `"tracks":["https://pypi.org/simple/holygrail/"]`, `"alternate-locations":[`,
		`"hashes":{"blake2b_256":"5e1f`, `"requires-python":null`, `"gpg-sig":false`} {
		if !bytes.Contains(out1, []byte(want)) {
			t.Errorf("rendered JSON lacks %s", want)
		}
	}
	if bytes.Contains(out1, []byte(`"dist-info-metadata"`)) {
		t.Error("rendered JSON has a dist-info-metadata key (PEP 714)")
	}
	if !bytes.Contains(out1, []byte(`"core-metadata":true,"data-dist-info-metadata":true,`)) {
		t.Error("rendered JSON lacks PyPI's data-dist-info-metadata beside core-metadata")
	}
}

func TestRoundTripJSONThroughHTML(t *testing.T) {
	base := mustURL(t, pageURL)
	pj, err := ParseProjectJSON(readFixture(t, "project.json"), base)
	if err != nil {
		t.Fatal(err)
	}
	page := RenderProjectHTML(pj)
	ph, err := ParseProjectHTML(page, base, pj.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := htmlView(ph), htmlView(pj); !reflect.DeepEqual(got, want) {
		t.Errorf("JSON -> model -> HTML -> model lost data:\n got %+v\nwant %+v\npage:\n%s", got, want, page)
	}
	if ph.Meta.APIVersion != APIVersion {
		t.Errorf("HTML declares %q, want %q", ph.Meta.APIVersion, APIVersion)
	}
	for _, want := range []string{
		`data-requires-python="&gt;=3.9&amp;&lt;4; odd but legal"`,
		`data-yanked="Broken on Windows: &#34;quoted&#34; &lt;reason&gt; &amp; more"`,
		`data-yanked=""`,
		`data-core-metadata="true" data-dist-info-metadata="true"`,
		`data-core-metadata="sha256=7dcbd6b5bd2cfd8ca9a3d1ab4b1b0f5c14ba3c14b5d7a1c6c2e6e2f3a1bb0c21" data-dist-info-metadata="sha256=7dcbd6b5bd2cfd8ca9a3d1ab4b1b0f5c14ba3c14b5d7a1c6c2e6e2f3a1bb0c21"`,
		`#sha256=f2c4e7b1a9d8c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1"`,
		`<meta name="pypi:project-status" content="archived">`,
		`<meta name="pypi:tracks" content="https://pypi.org/simple/holygrail/">`,
		`<title>Links for holygrail</title>`,
		"<!--SERIAL 24623412-->",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("rendered HTML lacks %s", want)
		}
	}
}

func TestRoundTripHTMLThroughJSON(t *testing.T) {
	base := mustURL(t, pageURL)
	ph, err := ParseProjectHTML(readFixture(t, "project.html"), base, "holygrail")
	if err != nil {
		t.Fatal(err)
	}
	out := RenderProjectJSON(ph)
	if !bytes.Contains(out, []byte(`"api-version":"1.0"`)) || bytes.Contains(out, []byte(`"size"`)) ||
		!bytes.Contains(out, []byte(`"versions":["0.9","1.0","1.1rc1","2.0.dev0"]`)) {
		t.Errorf("HTML-sourced page without sizes must render as 1.0 without size, with versions from file names:\n%s", out)
	}
	pj, err := ParseProjectJSON(out, base)
	if err != nil {
		t.Fatal(err)
	}
	pj.Meta.APIVersion, pj.Versions = ph.Meta.APIVersion, nil
	if !reflect.DeepEqual(ph, pj) {
		t.Errorf("HTML -> model -> JSON -> model changed the model:\n%+v\n%+v", ph, pj)
	}
	// And HTML -> model -> HTML -> model.
	ph2, err := ParseProjectHTML(RenderProjectHTML(ph), base, "holygrail")
	if err != nil {
		t.Fatal(err)
	}
	ph2.Meta.APIVersion = ph.Meta.APIVersion
	if !reflect.DeepEqual(ph, ph2) {
		t.Errorf("HTML -> model -> HTML -> model changed the model:\n%+v\n%+v", ph, ph2)
	}
}

func TestRenderVersionRule(t *testing.T) {
	p := &Project{Name: "x", Files: []File{{Filename: "x-1.whl", URL: "https://h/x-1.whl", Hashes: map[string]string{}, Size: 10}}}
	if v, full := jsonVersion(p); v != APIVersion || !full || htmlVersion(p) != APIVersion {
		t.Errorf("all sizes known: %q %v, HTML %q", v, full, htmlVersion(p))
	}
	p.Files = append(p.Files, File{Filename: "x-1.tar.gz", URL: "https://h/x-1.tar.gz", Size: -1})
	if v, full := jsonVersion(p); v != "1.0" || full {
		t.Errorf("one size unknown: %q %v", v, full)
	}
	// HTML keeps what upstream declared (PEP 700's mandatory fields are
	// JSON's), capped at the version this package knows; never below JSON's.
	for up, want := range map[string]string{"": "1.0", "1.0": "1.0", "1": "1.0", "1.2": "1.2", "1.4": "1.4", "1.9": APIVersion} {
		p.Meta.APIVersion = up
		if got := htmlVersion(p); got != want {
			t.Errorf("upstream %q, one size unknown: HTML declares %q, want %q", up, got, want)
		}
	}
	p.Files = p.Files[:1]
	out := RenderProjectJSON(p)
	if !bytes.Contains(out, []byte(`"hashes":{}`)) {
		t.Errorf("nil-safe hashes: %s", out)
	}
}

func TestRenderJSONEscaping(t *testing.T) {
	weird := "a\"b\\c\n\t\x01\u2028é\xff<&>"
	p := &Project{Name: weird, Files: []File{{Filename: weird, URL: "https://h/a", RequiresPython: weird, Yanked: true, YankedReason: weird}}}
	out := RenderProjectJSON(p)
	var v struct {
		Name  string `json:"name"`
		Files []struct {
			Filename string `json:"filename"`
		} `json:"files"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := strings.ToValidUTF8(weird, "\ufffd")
	if v.Name != want || v.Files[0].Filename != want {
		t.Errorf("escaping lost data: %q, want %q", v.Name, want)
	}
}

func TestRenderRoot(t *testing.T) {
	r, err := ParseRootJSON(readFixture(t, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := RenderRootJSON(r)
	r2, err := ParseRootJSON(out)
	if err != nil || !reflect.DeepEqual(r, r2) {
		t.Errorf("root JSON round trip: %v\n%+v\n%+v", err, r, r2)
	}
	page := RenderRootHTML(r)
	for _, want := range []string{`<a href="holygrail/">HolyGrail</a>`, `<a href="zope-interface/">zope.interface</a>`, `<a href="foo-bar/">Foo__Bar</a>`, "<!--SERIAL 24623412-->"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("root HTML lacks %s:\n%s", want, page)
		}
	}
	rh, err := ParseRootHTML(page, mustURL(t, "https://pypi.example.org/simple/"))
	if err != nil || len(rh.Projects) != len(r.Projects) {
		t.Fatalf("root HTML round trip: %v %+v", err, rh)
	}
	for i := range rh.Projects {
		if rh.Projects[i].Name != r.Projects[i].Name {
			t.Errorf("project %d: %q, want %q", i, rh.Projects[i].Name, r.Projects[i].Name)
		}
	}
}
