package filter

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestProject(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		yes  []string
		no   []string
	}{
		{"no filter", Config{}, []string{"anything"}, nil},
		{"allowlist names and requirements", Config{Allow: []string{"Django", "numpy>=1.24,<2", "requests[socks] ; python_version>'3'"}},
			[]string{"django", "Django", "numpy", "requests"}, []string{"flask"}},
		{"block bare name drops the project, a requirement does not", Config{Block: []string{"discord.PY", "numpy<1"}},
			[]string{"numpy", "flask"}, []string{"discord-py", "discord_py"}},
		{"block beats allow", Config{Allow: []string{"a", "b"}, Block: []string{"b"}}, []string{"a"}, []string{"b", "c"}},
		{"name regexes", Config{NameRegex: []string{`^django-`, `^flask$`}, BlockNameRegex: []string{`-evil$`}},
			[]string{"django-rest", "flask", "Django_Rest"}, []string{"flask-login", "django-evil", "numpy"}},
	}
	for _, tt := range tests {
		s, err := New(tt.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, n := range tt.yes {
			if !s.Project(n) {
				t.Errorf("%s: Project(%q) = false", tt.name, n)
			}
		}
		for _, n := range tt.no {
			if s.Project(n) {
				t.Errorf("%s: Project(%q) = true", tt.name, n)
			}
		}
	}
}

func TestAddProject(t *testing.T) {
	s, err := New(Config{Allow: []string{"numpy>=1.24,<2"}, Block: []string{"evil"}, WithDependencies: true})
	if err != nil {
		t.Fatal(err)
	}
	s.AddProject("Typing_Extensions")
	s.AddProject("numpy") // must not widen numpy>=1.24,<2
	s.AddProject("evil")
	if !s.Project("typing-extensions") || s.Project("evil") {
		t.Errorf("AddProject: typing-extensions %v, evil %v", s.Project("typing-extensions"), s.Project("evil"))
	}
	p := numpyPage()
	s.Page(p)
	if !slices.Equal(p.Versions, []string{"1.24.0", "1.24.4", "1.26.4"}) {
		t.Errorf("numpy widened by AddProject: %q", p.Versions)
	}

	all, _ := New(Config{MaxFileSize: 10})
	all.AddProject("x") // no allowlist: must not start restricting
	if !all.Project("y") {
		t.Error("AddProject without an allowlist restricted the mirror")
	}
}

func TestActive(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want bool
	}{
		{Config{}, false},
		{Config{WithDependencies: true}, false},
		{Config{KeepLatest: 1}, true},
		{Config{ExcludePlatforms: []string{"windows"}}, true},
		{Config{Allow: []string{"x"}}, true},
		{Config{RequirementsFiles: []string{"testdata/requirements/sub/extra.txt"}}, true},
	} {
		s, err := New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if s.Active() != tt.want {
			t.Errorf("Active(%+v) = %v", tt.cfg, !tt.want)
		}
	}
}

func TestRequirementsFiles(t *testing.T) {
	reqs, err := readRequirementsFiles([]string{"testdata/requirements/main.txt"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range reqs {
		got = append(got, r.name+" "+r.spec)
	}
	want := []string{"requests >=2.31", "urllib3 ==2.2.1", "zope-interface ~=6.0", "numpy >=1.24,<2", "django >=4.2,<5.0", "attrs "}
	if !slices.Equal(got, want) {
		t.Errorf("requirements:\n got %q\nwant %q", got, want)
	}

	s, err := New(Config{RequirementsFiles: []string{"testdata/requirements/main.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Project("urllib3") || !s.Project("zope.interface") || s.Project("thing") || s.Project("foo") {
		t.Error("Project() does not follow the requirements files")
	}
	p := page("urllib3", vs("2.2.0", "2.2.1"), "urllib3-2.2.0.tar.gz", "urllib3-2.2.1.tar.gz")
	s.Page(p)
	if !slices.Equal(p.Versions, []string{"2.2.1"}) {
		t.Errorf("pinned requirement: versions %q", p.Versions)
	}
	names, _ := New(Config{RequirementsFiles: []string{"testdata/requirements/main.txt"}, RequirementsNamesOnly: true})
	p = page("urllib3", vs("2.2.0", "2.2.1"), "urllib3-2.2.0.tar.gz", "urllib3-2.2.1.tar.gz")
	names.Page(p)
	if len(p.Versions) != 2 {
		t.Errorf("RequirementsNamesOnly: versions %q", p.Versions)
	}
}

func TestParseRequirement(t *testing.T) {
	for _, tt := range []struct{ in, name, spec string }{
		{"Django", "django", ""},
		{"numpy>=1.24,<2", "numpy", ">=1.24,<2"},
		{"foo (>=1.0)", "foo", ">=1.0"},
		{"Foo.Bar[a,b] ~= 1.4 ; python_version < '3.8'", "foo-bar", "~= 1.4"},
		{"pip @ https://github.com/pypa/pip/archive/1.3.1.zip", "pip", ""},
		{"x==1.*", "x", "==1.*"},
	} {
		r, err := parseRequirement(tt.in)
		if err != nil || r.name != tt.name || r.spec != tt.spec {
			t.Errorf("parseRequirement(%q) = %q %q %v, want %q %q", tt.in, r.name, r.spec, err, tt.name, tt.spec)
		}
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	cyclic := filepath.Join(dir, "a.txt")
	os.WriteFile(cyclic, []byte("-r a.txt\nsix\n-r missing.txt\n"), 0o644)
	for _, tt := range []struct {
		cfg  Config
		want string // substrings of the error
	}{
		{Config{Allow: []string{"numpy>=1.24,,"}}, `Allow: requirement "numpy>=1.24,,"`},
		{Config{Allow: []string{"numpy>>1"}}, `"numpy>>1"`},
		{Config{Allow: []string{"numpy 1.0"}}, "no comparison operator"},
		{Config{Allow: []string{"numpy>=1||<0"}}, "'||' is not PEP 440"},
		{Config{Allow: []string{"-bad-"}}, "invalid project name"},
		{Config{Allow: []string{"foo[bar"}}, "unclosed extras"},
		{Config{Block: []string{"foo (>=1"}}, "Block: requirement"},
		{Config{Block: []string{"foo~=1"}}, "Block"},
		{Config{RequirementsFiles: []string{"testdata/nope.txt"}}, "testdata/nope.txt"},
		{Config{RequirementsFiles: []string{"testdata/requirements/bad.txt"}}, "testdata/requirements/bad.txt:1"},
		{Config{RequirementsFiles: []string{cyclic}}, "a.txt:3"},
		{Config{NameRegex: []string{"("}}, "NameRegex: bad regexp \"(\""},
		{Config{BlockNameRegex: []string{"(?<=x)"}}, "BlockNameRegex"},
		{Config{ReleaseRegex: []string{"[z-a]"}}, "ReleaseRegex"},
		{Config{Platforms: []string{"manylinux[_x86_64"}}, "Platforms: bad glob"},
		{Config{ExcludePlatforms: []string{""}}, "ExcludePlatforms: empty"},
		{Config{PythonTags: []string{"["}}, "PythonTags"},
		{Config{KeepLatest: -1}, "KeepLatest"},
		{Config{MaxFileSize: -1}, "MaxFileSize"},
		{Config{Cooldown: -1}, "Cooldown"},
		{Config{PrereleaseProjects: []string{"a/b"}}, "PrereleaseProjects"},
	} {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) error = %v, want it to contain %q", tt.cfg, err, tt.want)
		}
	}
}

func TestRequiresDist(t *testing.T) {
	data, err := os.ReadFile("testdata/METADATA")
	if err != nil {
		t.Fatal(err)
	}
	got := RequiresDist(data)
	want := []string{"charset-normalizer", "idna", "urllib3", "certifi", "importlib-metadata", "typing-extensions", "zope-interface"}
	if !slices.Equal(got, want) {
		t.Errorf("RequiresDist:\n got %q\nwant %q", got, want)
	}
	if got := RequiresDist([]byte("Requires-Dist: a\r\nRequires-Dist: b ; extra=='x'\r\n")); !slices.Equal(got, []string{"a"}) {
		t.Errorf("CRLF metadata: %q", got)
	}
	if got := RequiresDist(nil); got != nil {
		t.Errorf("empty metadata: %q", got)
	}
}
