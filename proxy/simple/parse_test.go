package simple

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readFixtureErr(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := readFixtureErr(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

const pageURL = "https://pypi.example.org/simple/holygrail/"

func TestParseProjectJSON(t *testing.T) {
	p, err := ParseProjectJSON(readFixture(t, "project.json"), mustURL(t, pageURL))
	if err != nil {
		t.Fatal(err)
	}
	wantMeta := Meta{
		APIVersion:          "1.4",
		LastSerial:          24623412,
		ProjectStatus:       "archived",
		ProjectStatusReason: "Maintained elsewhere; see https://example.org",
		Tracks:              []string{"https://pypi.org/simple/holygrail/"},
		AlternateLocations:  []string{"https://pypi.org/simple/holygrail/", "https://mirror.example.org/simple/holygrail/"},
	}
	if p.Name != "holygrail" || !reflect.DeepEqual(p.Meta, wantMeta) {
		t.Errorf("name %q meta %+v, want holygrail %+v", p.Name, p.Meta, wantMeta)
	}
	if want := []string{"0.9", "1.0", "1.1rc1", "2.0.dev0"}; !reflect.DeepEqual(p.Versions, want) {
		t.Errorf("versions %q, want %q", p.Versions, want)
	}
	if len(p.Files) != 4 {
		t.Fatalf("%d files, want 4", len(p.Files))
	}
	f0, f1, f2, f3 := p.Files[0], p.Files[1], p.Files[2], p.Files[3]
	checks := []struct {
		what      string
		got, want any
	}{
		{"relative URL resolved", f0.URL, "https://pypi.example.org/packages/3c/1d/5ab2e7c4f0c0f8b5c7f1c8d6e5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7/HolyGrail-0.9.tar.gz"},
		{"absolute-path URL resolved", f3.URL, "https://pypi.example.org/packages/aa/bb/cc11111111111111111111111111111111111111111111111111111111111111/holygrail-1.1rc1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"},
		{"fragment dropped", f2.URL, "https://files.pythonhosted.org/packages/11/22/33445566778899aabbccddeeff00112233445566778899aabbccddeeff0011/holygrail-1.0.tar.gz"},
		{"null requires-python", f0.RequiresPython, ""},
		{"requires-python", f1.RequiresPython, ">=3.8, <4"},
		{"two hashes", len(f1.Hashes), 2},
		{"core-metadata false", f0.CoreMetadata, CoreMetadata{}},
		{"core-metadata hash", f1.CoreMetadata, CoreMetadata{Available: true, Hashes: map[string]string{"sha256": "7dcbd6b5bd2cfd8ca9a3d1ab4b1b0f5c14ba3c14b5d7a1c6c2e6e2f3a1bb0c21"}}},
		{"core-metadata true", f2.CoreMetadata, CoreMetadata{Available: true, Hashes: map[string]string{}}},
		{"not yanked", f0.Yanked, false},
		{"yanked reason", [2]any{f2.Yanked, f2.YankedReason}, [2]any{true, `Broken on Windows: "quoted" <reason> & more`}},
		{"yanked true", [2]any{f3.Yanked, f3.YankedReason}, [2]any{true, ""}},
		{"size", f1.Size, int64(24011)},
		{"upload-time verbatim", f3.UploadTime, "2024-01-15T09:00:00Z"},
		{"gpg-sig absent", f0.GPGSig, (*bool)(nil)},
		{"gpg-sig true", *f2.GPGSig, true},
		{"gpg-sig false", *f3.GPGSig, false},
		{"provenance", f1.Provenance, "https://pypi.org/integrity/holygrail/1.0/holygrail-1.0-py3-none-any.whl/provenance"},
		{"provenance null", f0.Provenance, ""},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
}

func TestParseProjectJSONEdgeCases(t *testing.T) {
	tests := []struct {
		name, doc string
		check     func(*Project) bool
		wantErr   error // nil: must parse; errAny: any error
	}{
		{"minimal 1.0", `{"meta":{"api-version":"1.0"},"name":"x","files":[{"filename":"x-1.tar.gz","url":"x-1.tar.gz","hashes":{}}]}`,
			func(p *Project) bool {
				f := p.Files[0]
				return f.Size == -1 && f.Hashes != nil && p.Meta.LastSerial == -1 && p.Versions == nil &&
					f.URL == pageURL+"x-1.tar.gz" && p.Meta.Tracks == nil && p.Meta.AlternateLocations == nil
			}, nil},
		{"missing hashes is an empty map", `{"meta":{"api-version":"1.1"},"files":[{"filename":"a","url":"https://h/a"}]}`,
			func(p *Project) bool { return p.Files[0].Hashes != nil && len(p.Files[0].Hashes) == 0 }, nil},
		{"hash names lower-cased, bad digests dropped", `{"meta":{"api-version":"1.1"},"files":[{"filename":"a","url":"https://h/a","hashes":{"SHA256":"AbC0","md5":"zz","":"00"}}]}`,
			func(p *Project) bool {
				return reflect.DeepEqual(p.Files[0].Hashes, map[string]string{"sha256": "AbC0"})
			}, nil},
		{"legacy dist-info-metadata", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a","url":"https://h/a","dist-info-metadata":{"sha256":"ab"}}]}`,
			func(p *Project) bool {
				return p.Files[0].CoreMetadata.Available && p.Files[0].CoreMetadata.Hashes["sha256"] == "ab"
			}, nil},
		{"PyPI's data-dist-info-metadata", `{"meta":{"api-version":"1.1"},"files":[{"filename":"a","url":"https://h/a","data-dist-info-metadata":true}]}`,
			func(p *Project) bool { return p.Files[0].CoreMetadata.Available }, nil},
		{"core-metadata wins over legacy", `{"meta":{"api-version":"1.1"},"files":[{"filename":"a","url":"https://h/a","core-metadata":false,"dist-info-metadata":true}]}`,
			func(p *Project) bool { return !p.Files[0].CoreMetadata.Available }, nil},
		{"empty yanked string is not yanked", `{"meta":{"api-version":"1.1"},"files":[{"filename":"a","url":"https://h/a","yanked":""}]}`,
			func(p *Project) bool { return !p.Files[0].Yanked }, nil},
		{"filename from URL", `{"meta":{"api-version":"1.1"},"files":[{"url":"https://h/p/a-1.whl"}]}`,
			func(p *Project) bool { return p.Files[0].Filename == "a-1.whl" }, nil},
		{"project-status under meta is read too", `{"meta":{"api-version":"1.4","project-status":{"status":"quarantined"}},"files":[]}`,
			func(p *Project) bool { return p.Meta.ProjectStatus == "quarantined" }, nil},
		{"future minor version", `{"meta":{"api-version":"1.99"},"files":[]}`, func(*Project) bool { return true }, nil},
		{"major version 2", `{"meta":{"api-version":"2.0"},"files":[]}`, nil, ErrUnsupportedAPIVersion},
		{"junk version", `{"meta":{"api-version":"one"},"files":[]}`, nil, ErrUnsupportedAPIVersion},
		{"yanked number", `{"meta":{"api-version":"1.0"},"files":[{"url":"a","yanked":1}]}`, nil, errAny},
		{"core-metadata string", `{"meta":{"api-version":"1.0"},"files":[{"url":"a","core-metadata":"yes"}]}`, nil, errAny},
		{"negative size", `{"meta":{"api-version":"1.1"},"files":[{"url":"a","size":-2}]}`, nil, errAny},
		{"no url", `{"meta":{"api-version":"1.1"},"files":[{"filename":"a"}]}`, nil, errAny},
		{"not an object", `[]`, nil, errAny},
		{"truncated", `{"meta":`, nil, errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseProjectJSON([]byte(tt.doc), mustURL(t, pageURL))
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.wantErr == nil && !tt.check(p):
				t.Fatalf("check failed: %+v", p)
			case tt.wantErr == errAny && err == nil, tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestParseProjectHTML(t *testing.T) {
	p, err := ParseProjectHTML(readFixture(t, "project.html"), mustURL(t, pageURL), "holygrail")
	if err != nil {
		t.Fatal(err)
	}
	wantMeta := Meta{
		APIVersion:          "1.1",
		LastSerial:          24623412, // <!--SERIAL n-->
		ProjectStatus:       "deprecated",
		ProjectStatusReason: `Use "newgrail" instead & soon`,
		Tracks:              []string{"https://pypi.org/simple/holygrail/"},
		AlternateLocations:  []string{"https://pypi.org/simple/holygrail/", "https://mirror.example.org/simple/holygrail/"},
	}
	if p.Name != "holygrail" || !reflect.DeepEqual(p.Meta, wantMeta) || p.Versions != nil {
		t.Errorf("name %q meta %+v versions %q", p.Name, p.Meta, p.Versions)
	}
	if len(p.Files) != 5 {
		t.Fatalf("%d files, want 5 (anchor without href is no file)", len(p.Files))
	}
	f0, f1, f2, f3, f4 := p.Files[0], p.Files[1], p.Files[2], p.Files[3], p.Files[4]
	checks := []struct {
		what      string
		got, want any
	}{
		{"relative URL against <base>", f0.URL, "https://pypi.example.org/mirror/web/packages/3c/1d/5ab2e7c4f0c0f8b5c7f1c8d6e5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7/HolyGrail-0.9.tar.gz"},
		{"sibling URL against <base>", f4.URL, "https://pypi.example.org/mirror/web/simple/holygrail/holygrail-2.0.dev0.zip"},
		{"absolute-path URL", f3.URL, "https://pypi.example.org/packages/aa/bb/cc11111111111111111111111111111111111111111111111111111111111111/holygrail-1.1rc1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"},
		{"fragment hash", f0.Hashes, map[string]string{"sha256": "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"}},
		{"md5 fragment", f4.Hashes, map[string]string{"md5": "d41d8cd98f00b204e9800998ecf8427e"}},
		{"trimmed text", f2.Filename, "holygrail-1.0.tar.gz"},
		{"filename from URL", f3.Filename, "holygrail-1.1rc1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"},
		{"requires-python unescaped", f1.RequiresPython, ">=3.8, <4"},
		{"requires-python &", f3.RequiresPython, ">=3.9&<4; odd but legal"},
		{"yanked reason", [2]any{f2.Yanked, f2.YankedReason}, [2]any{true, `Broken on Windows: "quoted" <reason> & more`}},
		{"yanked bare", [2]any{f3.Yanked, f3.YankedReason}, [2]any{true, ""}},
		{"not yanked", f1.Yanked, false},
		{"core-metadata hash", f1.CoreMetadata.Hashes, map[string]string{"sha256": "7dcbd6b5bd2cfd8ca9a3d1ab4b1b0f5c14ba3c14b5d7a1c6c2e6e2f3a1bb0c21"}},
		{"dist-info-metadata fallback", f2.CoreMetadata, CoreMetadata{Available: true, Hashes: map[string]string{}}},
		{"no core-metadata", f0.CoreMetadata, CoreMetadata{}},
		{"gpg-sig", [2]any{*f2.GPGSig, *f3.GPGSig}, [2]any{true, false}},
		{"provenance", f1.Provenance, "https://pypi.org/integrity/holygrail/1.0/holygrail-1.0-py3-none-any.whl/provenance"},
		{"size unknown", f1.Size, int64(-1)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
}

func TestParseProjectHTMLEdgeCases(t *testing.T) {
	base := mustURL(t, pageURL)
	if _, err := ParseProjectHTML([]byte(`<meta name="pypi:repository-version" content="2.0">`), base, "x"); !errors.Is(err, ErrUnsupportedAPIVersion) {
		t.Errorf("major version 2: err = %v", err)
	}
	p, err := ParseProjectHTML([]byte(`<a href="a.whl#SHA256=ABCD" data-core-metadata="false">a.whl<a href="b.whl" data-gpg-sig="maybe"/>x</a><base href="/other/">`), base, "x")
	if err != nil {
		t.Fatal(err)
	}
	// pip's hash names are case-sensitive: #SHA256= is no hash to pip.
	if len(p.Files) != 2 || len(p.Files[0].Hashes) != 0 || p.Files[0].CoreMetadata.Available ||
		p.Files[0].URL != "https://pypi.example.org/other/a.whl" || p.Files[1].GPGSig != nil || p.Files[1].Filename != "b.whl" {
		t.Errorf("got %+v", p.Files)
	}
	p, err = ParseProjectHTML(nil, nil, "empty")
	if err != nil || p.Files == nil || len(p.Files) != 0 || p.Meta.LastSerial != -1 {
		t.Errorf("empty page: %+v, %v", p, err)
	}
}

func TestParseRoot(t *testing.T) {
	want := []string{"HolyGrail", "zope.interface", "Foo__Bar"}
	j, err := ParseRootJSON(readFixture(t, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Meta.LastSerial != 24623412 || j.Meta.APIVersion != "1.4" || len(j.Projects) != 4 ||
		j.Projects[0] != (RootProject{"HolyGrail", 24623400}) || j.Projects[3] != (RootProject{"no-serial", -1}) {
		t.Errorf("root JSON: %+v", j)
	}
	h, err := ParseRootHTML(readFixture(t, "root.html"), mustURL(t, "https://pypi.example.org/simple/"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range h.Projects {
		names = append(names, p.Name)
		if p.LastSerial != -1 {
			t.Errorf("%s: serial %d from HTML", p.Name, p.LastSerial)
		}
	}
	if want := append(want, "from-href"); strings.Join(names, " ") != strings.Join(want, " ") || h.Meta.LastSerial != -1 {
		t.Errorf("root HTML names %q serial %d, want %q", names, h.Meta.LastSerial, want)
	}
}
