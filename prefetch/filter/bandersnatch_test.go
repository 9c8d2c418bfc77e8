package filter

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadBandersnatchConf(t *testing.T) {
	cfg, ms, err := LoadBandersnatchConf("testdata/bandersnatch.conf")
	if err != nil {
		t.Fatal(err)
	}
	wantMS := MirrorSettings{Directory: "/srv/pypi", Master: "https://pypi.org", Workers: 3, JSON: false,
		ReleaseFiles: true, Timeout: 10 * time.Second, StopOnError: false, SimpleFormat: "ALL"}
	ignored := ms.Ignored
	ms.Ignored = nil
	if !reflect.DeepEqual(ms, wantMS) {
		t.Errorf("mirror settings:\n got %+v\nwant %+v", ms, wantMS)
	}
	wantIgnored := []string{
		"mirror.cleanup (not supported)", "mirror.global-timeout (not supported)",
		"mirror.verifiers (not supported)", "mirror.compare-method (not supported)",
		"mirror.digest_name (not supported)",
		"filter_regex.packages (plugin regex_project not enabled)",
		"regex_project_metadata.not-null:info.classifiers (not supported)",
		"plugin regex_project_metadata (not supported)",
	}
	if !slices.Equal(ignored, wantIgnored) {
		t.Errorf("ignored:\n got %q\nwant %q", ignored, wantIgnored)
	}
	reqFile, _ := filepath.Abs("testdata/requirements/main.txt")
	want := Config{
		Allow:              []string{"black==23.1.0", "Flask", "numpy>=1.24,<2"},
		Block:              []string{"example1", "discord.PY", "example2>=1.4.2,<1.9,!=1.5.*,!=1.6.*"},
		RequirementsFiles:  []string{reqFile},
		ExcludePrereleases: true,
		PrereleaseProjects: []string{"numpy"},
		KeepLatest:         3,
		ExcludePlatforms:   []string{"windows", "macos", "py2.7"},
		MaxProjectSize:     1 << 30,
		ReleaseRegex:       []string{`^(?:.+alpha\d$)`},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestLoadBandersnatchConfPlugins(t *testing.T) {
	tests := []struct {
		name, conf string
		want       Config
		ignored    []string
	}{
		{
			name: "nothing enabled: sections are ignored",
			conf: "[mirror]\ndirectory = /m\n[blocklist]\npackages = a\n[latest_release]\nkeep = 2\n",
			ignored: []string{"blocklist.packages (plugin blocklist_project/blocklist_release not enabled)",
				"latest_release.keep (plugin latest_release not enabled)"},
		},
		{
			name: "enabled = all",
			conf: "[plugins]\nenabled = all\n[allowlist]\npackages =\n  black==18.5\n  ptr\n[filter_regex]\npackages =\n  .+-evil$\n",
			want: Config{Allow: []string{"black==18.5", "ptr"}, ExcludePrereleases: true, BlockNameRegex: []string{"^(?:.+-evil$)"}},
		},
		{
			name: "project plugins only take names; old names accepted",
			conf: "[plugins]\nenabled =\n  whitelist_project\n  blacklist_project\n[whitelist]\npackages =\n  black==18.5\n  ptr\n[blacklist]\npackages =\n  a\n  b<2\n",
			want: Config{Allow: []string{"black", "ptr"}, Block: []string{"a"}},
		},
		{
			name: "requirements without pinned: names only; glob",
			conf: "[plugins]\nenabled = project_requirements\n[allowlist]\nrequirements_path = requirements/sub\nrequirements =\n  *.txt\n",
			want: Config{RequirementsFiles: []string{"REQDIR/sub/extra.txt"}, RequirementsNamesOnly: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(filepath.Join(dir, "requirements"), os.DirFS("testdata/requirements")); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "bandersnatch.conf")
			os.WriteFile(path, []byte(tt.conf), 0o644)
			cfg, ms, err := LoadBandersnatchConf(path)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range tt.want.RequirementsFiles {
				tt.want.RequirementsFiles[i] = strings.Replace(f, "REQDIR", filepath.Join(dir, "requirements"), 1)
			}
			if tt.want.RequirementsFiles == nil {
				tt.want.RequirementsNamesOnly = cfg.RequirementsNamesOnly
			}
			if !reflect.DeepEqual(cfg, tt.want) {
				t.Errorf("config:\n got %+v\nwant %+v", cfg, tt.want)
			}
			if !slices.Equal(ms.Ignored, tt.ignored) {
				t.Errorf("ignored: got %q, want %q", ms.Ignored, tt.ignored)
			}
		})
	}
}

func TestLoadBandersnatchConfErrors(t *testing.T) {
	for _, tt := range []struct{ conf, want string }{
		{"directory = /x\n", "before any [section]"},
		{"[mirror]\n  indented = first\n", "continues no key"},
		{"[mirror\n", "bad section header"},
		{"[mirror]\njust words\n", "line 2"},
		{"[mirror]\nworkers = 3\nworkers = 4\n", `key "workers" appears twice`},
		{"[mirror]\n[mirror]\n", "section [mirror] appears twice"},
		{"[mirror]\nworkers = many\n", "[mirror] workers"},
		{"[mirror]\ntimeout = -1\n", "[mirror] timeout"},
		{"[mirror]\njson = maybe\n", "[mirror] json"},
		{"[mirror]\nsimple-format = XML\n", "simple-format"},
		{"[mirror]\nhash-index = true\n", "web/simple/<letter>/<name>/"},
		{"[mirror]\nstorage-backend = swift\n", "local directory only"},
		{"[plugins]\nenabled = latest_release\n[latest_release]\nkeep = three\n", "[latest_release] keep"},
		{"[plugins]\nenabled = size_project_metadata\n[size_project_metadata]\nmax_package_size = 1Q\n", "max_package_size"},
		{"[plugins]\nenabled = allowlist_project\n[allowlist]\npackages = bad name!\n", "[allowlist] packages"},
		{"[plugins]\nenabled = regex_release\n[filter_regex]\nreleases = (?=x)\n", "ReleaseRegex"},
		{"[plugins]\nenabled = project_requirements\n[allowlist]\nrequirements = nothing-*.txt\n", "matches no file"},
		{"[plugins]\nenabled = project_requirements\n[allowlist]\nrequirements_path = /nonexistent\nrequirements = r.txt\n", "/nonexistent/r.txt"},
	} {
		path := filepath.Join(t.TempDir(), "b.conf")
		os.WriteFile(path, []byte(tt.conf), 0o644)
		_, _, err := LoadBandersnatchConf(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: error %v, want it to name the file and contain %q", tt.conf, err, tt.want)
		}
	}
	if _, _, err := LoadBandersnatchConf("testdata/missing.conf"); err == nil {
		t.Error("missing file: no error")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "1K": 1024, "500M": 500 << 20, "1G": 1 << 30, "1.5G": 3 << 29, "2TiB": 2 << 40, "10 MB": 10 << 20} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "-1", "1Q", "lots"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}
