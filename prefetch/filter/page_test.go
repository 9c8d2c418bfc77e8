package filter

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// page builds a project page: files are "filename" or "filename size" or
// "filename size upload-time".
func page(name string, versions []string, files ...string) *simple.Project {
	p := &simple.Project{Name: name, Versions: versions}
	for _, f := range files {
		fields := strings.Fields(f)
		file := simple.File{Filename: fields[0], Size: -1, Hashes: map[string]string{}}
		if len(fields) > 1 {
			fmt.Sscan(fields[1], &file.Size)
		}
		if len(fields) > 2 {
			file.UploadTime = fields[2]
		}
		p.Files = append(p.Files, file)
	}
	return p
}

func filenames(p *simple.Project) []string {
	var out []string
	for _, f := range p.Files {
		out = append(out, f.Filename)
	}
	return out
}

func vs(v ...string) []string { return v }

func numpyPage() *simple.Project {
	return page("numpy", vs("1.23.5", "1.24.0", "1.24.4", "1.26.4", "2.0.0rc1", "2.0.0", "2.1.0.dev0"),
		"numpy-1.23.5.tar.gz",
		"numpy-1.24.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"numpy-1.24.4.tar.gz",
		"numpy-1.26.4-cp312-cp312-win_amd64.whl",
		"numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl",
		"numpy-1.26.4-cp312-cp312-musllinux_1_1_aarch64.whl",
		"numpy-1.26.4.tar.gz",
		"numpy-2.0.0rc1.tar.gz",
		"numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"numpy-2.1.0.dev0.tar.gz",
	)
}

func TestPage(t *testing.T) {
	tests := []struct {
		name         string
		cfg          Config
		page         *simple.Project
		wantFiles    []string
		wantVersions []string
	}{
		{
			name:         "requirement allowlist keeps 1.24 up to 2",
			cfg:          Config{Allow: []string{"numpy>=1.24,<2"}},
			page:         numpyPage(),
			wantFiles:    vs("numpy-1.24.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy-1.24.4.tar.gz", "numpy-1.26.4-cp312-cp312-win_amd64.whl", "numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl", "numpy-1.26.4-cp312-cp312-musllinux_1_1_aarch64.whl", "numpy-1.26.4.tar.gz"),
			wantVersions: vs("1.24.0", "1.24.4", "1.26.4"),
		},
		{
			name:         "two allow entries are ORed, bare name wins",
			cfg:          Config{Allow: []string{"numpy==1.23.5", "numpy>=2"}},
			page:         numpyPage(),
			wantFiles:    vs("numpy-1.23.5.tar.gz", "numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy-2.1.0.dev0.tar.gz"),
			wantVersions: vs("1.23.5", "2.0.0", "2.1.0.dev0"),
		},
		{
			name:         "blocked requirement drops matching releases",
			cfg:          Config{Block: []string{"numpy<1.26"}},
			page:         numpyPage(),
			wantFiles:    vs("numpy-1.26.4-cp312-cp312-win_amd64.whl", "numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl", "numpy-1.26.4-cp312-cp312-musllinux_1_1_aarch64.whl", "numpy-1.26.4.tar.gz", "numpy-2.0.0rc1.tar.gz", "numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy-2.1.0.dev0.tar.gz"),
			wantVersions: vs("1.26.4", "2.0.0rc1", "2.0.0", "2.1.0.dev0"),
		},
		{
			name: "exclude pre-releases",
			cfg:  Config{ExcludePrereleases: true},
			page: page("pkg", vs("1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.1.dev0", "1.1"),
				"pkg-1.0a1.tar.gz", "pkg-1.0b2.tar.gz", "pkg-1.0rc1-py3-none-any.whl", "pkg-1.0.tar.gz",
				"pkg-1.0.post1.tar.gz", "pkg-1.1.dev0.tar.gz", "pkg-1.1.tar.gz"),
			wantFiles:    vs("pkg-1.0.tar.gz", "pkg-1.0.post1.tar.gz", "pkg-1.1.tar.gz"),
			wantVersions: vs("1.0", "1.0.post1", "1.1"),
		},
		{
			name:      "pre-release filter limited to other projects",
			cfg:       Config{ExcludePrereleases: true, PrereleaseProjects: []string{"numpy"}},
			page:      page("pkg", vs("1.0a1", "1.0"), "pkg-1.0a1.tar.gz", "pkg-1.0.tar.gz"),
			wantFiles: vs("pkg-1.0a1.tar.gz", "pkg-1.0.tar.gz"), wantVersions: vs("1.0a1", "1.0"),
		},
		{
			name: "keep latest 2 counts pre- and post-releases",
			cfg:  Config{KeepLatest: 2},
			page: page("pkg", vs("1.0", "1.0.post1", "1.1rc1", "0.9", "1.1.dev0"),
				"pkg-1.0.tar.gz", "pkg-1.0.post1.tar.gz", "pkg-1.1rc1.tar.gz", "pkg-0.9.tar.gz", "pkg-1.1.dev0.tar.gz"),
			wantFiles: vs("pkg-1.1rc1.tar.gz", "pkg-1.1.dev0.tar.gz"), wantVersions: vs("1.1rc1", "1.1.dev0"),
		},
		{
			name: "keep latest 2 orders post-releases",
			cfg:  Config{KeepLatest: 2},
			page: page("pkg", vs("1.0", "1.0.post2", "1.0.post10", "0.9"),
				"pkg-1.0.tar.gz", "pkg-1.0.post2.tar.gz", "pkg-1.0.post10.tar.gz", "pkg-0.9.tar.gz"),
			wantFiles: vs("pkg-1.0.post2.tar.gz", "pkg-1.0.post10.tar.gz"), wantVersions: vs("1.0.post2", "1.0.post10"),
		},
		{
			name: "keep latest after excluding pre-releases",
			cfg:  Config{KeepLatest: 2, ExcludePrereleases: true},
			page: page("pkg", vs("1.0", "1.0.post1", "1.1rc1", "0.9", "2.0"),
				"pkg-1.0.tar.gz", "pkg-1.0.post1.tar.gz", "pkg-1.1rc1.tar.gz", "pkg-0.9.tar.gz"),
			// 2.0 has no files: not counted, and dropped from Versions under KeepLatest.
			wantFiles: vs("pkg-1.0.tar.gz", "pkg-1.0.post1.tar.gz"), wantVersions: vs("1.0", "1.0.post1"),
		},
		{
			name:      "keep latest counts only releases whose files survive",
			cfg:       Config{KeepLatest: 1, Platforms: []string{"manylinux*_x86_64"}},
			page:      page("pkg", vs("1.0", "2.0"), "pkg-1.0-cp312-cp312-manylinux2014_x86_64.whl", "pkg-2.0-cp312-cp312-win_amd64.whl"),
			wantFiles: vs("pkg-1.0-cp312-cp312-manylinux2014_x86_64.whl"), wantVersions: vs("1.0"),
		},
		{
			name:         "platform include with compressed tags, any and sdists",
			cfg:          Config{Platforms: []string{"manylinux*_x86_64", "any"}},
			page:         page("pkg", vs("1.0"), "pkg-1.0.tar.gz", "pkg-1.0-py2.py3-none-any.whl", "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "pkg-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", "pkg-1.0-cp312-cp312-win32.whl", "pkg-1.0.win32-py2.7.exe", "pkg-1.0-py2.7.egg"),
			wantFiles:    vs("pkg-1.0.tar.gz", "pkg-1.0-py2.py3-none-any.whl", "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
			wantVersions: vs("1.0"),
		},
		{
			name:      "musllinux glob",
			cfg:       Config{Platforms: []string{"musllinux*_aarch64"}},
			page:      numpyPage(),
			wantFiles: vs("numpy-1.23.5.tar.gz", "numpy-1.24.4.tar.gz", "numpy-1.26.4-cp312-cp312-musllinux_1_1_aarch64.whl", "numpy-1.26.4.tar.gz", "numpy-2.0.0rc1.tar.gz", "numpy-2.1.0.dev0.tar.gz"),
			// 1.24.0 and 2.0.0 lost their only files to the platform filter.
			wantVersions: vs("1.23.5", "1.24.4", "1.26.4", "2.0.0rc1", "2.1.0.dev0"),
		},
		{
			name:         "friendly exclude names: windows, macos, py2.7",
			cfg:          Config{ExcludePlatforms: []string{"windows", "macos", "py2.7"}},
			page:         page("pkg", vs("1.0"), "pkg-1.0.tar.gz", "pkg-1.0-py2.py3-none-any.whl", "pkg-1.0-cp27-cp27mu-manylinux1_x86_64.whl", "pkg-1.0-cp312-cp312-win_amd64.whl", "pkg-1.0-cp312-cp312-macosx_10_9_universal2.whl", "pkg-1.0-cp312-cp312-manylinux2014_x86_64.whl", "pkg-1.0.win-amd64-py3.5.exe", "pkg-1.0-py2.7.egg", "pkg-1.0-py3.5.egg"),
			wantFiles:    vs("pkg-1.0.tar.gz", "pkg-1.0-py2.py3-none-any.whl", "pkg-1.0-cp312-cp312-manylinux2014_x86_64.whl", "pkg-1.0-py3.5.egg"),
			wantVersions: vs("1.0"),
		},
		{
			name:         "exclude linux needs every platform tag excluded",
			cfg:          Config{ExcludePlatforms: []string{"linux", "win32"}},
			page:         page("pkg", vs("1.0"), "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "pkg-1.0-cp312-cp312-macosx_11_0_arm64.linux_x86_64.whl", "pkg-1.0-cp312-cp312-win32.whl", "pkg-1.0-cp312-cp312-win_amd64.whl"),
			wantFiles:    vs("pkg-1.0-cp312-cp312-macosx_11_0_arm64.linux_x86_64.whl", "pkg-1.0-cp312-cp312-win_amd64.whl"),
			wantVersions: vs("1.0"),
		},
		{
			name:         "python tags",
			cfg:          Config{PythonTags: []string{"py3", "cp31*"}},
			page:         page("pkg", vs("1.0"), "pkg-1.0.tar.gz", "pkg-1.0-py2.py3-none-any.whl", "pkg-1.0-py2-none-any.whl", "pkg-1.0-cp39-cp39-linux_x86_64.whl", "pkg-1.0-cp312-cp312-linux_x86_64.whl"),
			wantFiles:    vs("pkg-1.0.tar.gz", "pkg-1.0-py2.py3-none-any.whl", "pkg-1.0-cp312-cp312-linux_x86_64.whl"),
			wantVersions: vs("1.0"),
		},
		{
			name:         "max file size keeps unknown sizes",
			cfg:          Config{MaxFileSize: 1000},
			page:         page("pkg", vs("1.0", "2.0"), "pkg-1.0.tar.gz 1000", "pkg-1.0-py3-none-any.whl 1001", "pkg-2.0.tar.gz 5000", "pkg-2.0-py3-none-any.whl"),
			wantFiles:    vs("pkg-1.0.tar.gz", "pkg-2.0-py3-none-any.whl"),
			wantVersions: vs("1.0", "2.0"),
		},
		{
			name: "cooldown per file with a fixed clock",
			cfg:  Config{Cooldown: 72 * time.Hour, Now: func() time.Time { return fixedNow }},
			page: page("pkg", vs("1.0", "1.1"),
				"pkg-1.0.tar.gz 10 2025-01-01T00:00:00Z",
				"pkg-1.0-py3-none-any.whl 10 2025-05-31T00:00:00.123456Z", // added late to an old release
				"pkg-1.1.tar.gz 10 2025-05-30T12:00:00Z",
				"pkg-1.1-py3-none-any.whl 10"), // no upload time: kept
			wantFiles: vs("pkg-1.0.tar.gz", "pkg-1.1-py3-none-any.whl"), wantVersions: vs("1.0", "1.1"),
		},
		{
			name:         "cooldown drops a brand-new release from Versions",
			cfg:          Config{Cooldown: 72 * time.Hour, Now: func() time.Time { return fixedNow }},
			page:         page("pkg", vs("1.0", "1.1"), "pkg-1.0.tar.gz 10 2025-01-01T00:00:00Z", "pkg-1.1.tar.gz 10 2025-05-31T23:00:00+02:00"),
			wantFiles:    vs("pkg-1.0.tar.gz"),
			wantVersions: vs("1.0"),
		},
		{
			name:         "release regex",
			cfg:          Config{ReleaseRegex: []string{`^.+alpha\d$`, `^0\.`}},
			page:         page("pkg", vs("0.9", "1.0alpha1", "1.0"), "pkg-0.9.tar.gz", "pkg-1.0alpha1.tar.gz", "pkg-1.0.tar.gz"),
			wantFiles:    vs("pkg-1.0.tar.gz"),
			wantVersions: vs("1.0"),
		},
		{
			name:      "versions without files stay unless a release filter drops them",
			cfg:       Config{ExcludePrereleases: true},
			page:      page("pkg", vs("0.1", "0.2b1", "1.0"), "pkg-1.0.tar.gz"),
			wantFiles: vs("pkg-1.0.tar.gz"), wantVersions: vs("0.1", "1.0"),
		},
		{
			name:         "filename spelling differs from Versions",
			cfg:          Config{Allow: []string{"Zope.Interface>=6.0rc1"}},
			page:         page("zope-interface", vs("5.0", "6.0-rc1", "6.0"), "zope.interface-5.0.tar.gz", "zope.interface-6.0rc1.tar.gz", "zope_interface-6.0-cp312-cp312-any.whl"),
			wantFiles:    vs("zope.interface-6.0rc1.tar.gz", "zope_interface-6.0-cp312-cp312-any.whl"),
			wantVersions: vs("6.0-rc1", "6.0"),
		},
		{
			name:      "unknown versions kept without release filters",
			cfg:       Config{MaxFileSize: 100},
			page:      page("pkg", nil, "pkg.tar.gz 10", "weird-file.rpm 10"),
			wantFiles: vs("pkg.tar.gz", "weird-file.rpm"),
		},
		{
			name:      "unknown versions dropped under a release filter; legacy versions fail specifiers",
			cfg:       Config{Allow: []string{"pkg>=1"}},
			page:      page("pkg", nil, "pkg.tar.gz", "pkg-2004d.tar.gz", "pkg-1.5.tar.gz"),
			wantFiles: vs("pkg-1.5.tar.gz"),
		},
		{
			name:         "project size limit empties the page",
			cfg:          Config{MaxProjectSize: 100},
			page:         page("pkg", vs("1.0", "2.0"), "pkg-1.0.tar.gz 60", "pkg-2.0.tar.gz 60"),
			wantVersions: vs(),
		},
		{
			name:         "project size counts files left after other filters",
			cfg:          Config{MaxProjectSize: 100, KeepLatest: 1},
			page:         page("pkg", vs("1.0", "2.0"), "pkg-1.0.tar.gz 60", "pkg-2.0.tar.gz 60"),
			wantFiles:    vs("pkg-2.0.tar.gz"),
			wantVersions: vs("2.0"),
		},
		{
			name:         "no filter leaves the page alone",
			cfg:          Config{},
			page:         page("pkg", vs("1.0a1"), "pkg-1.0a1.tar.gz"),
			wantFiles:    vs("pkg-1.0a1.tar.gz"),
			wantVersions: vs("1.0a1"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			hadVersions := tt.page.Versions != nil
			s.Page(tt.page)
			if got := filenames(tt.page); !slices.Equal(got, tt.wantFiles) {
				t.Errorf("files:\n got %q\nwant %q", got, tt.wantFiles)
			}
			if (tt.page.Versions != nil) != hadVersions {
				t.Errorf("Versions nil-ness changed: %v", tt.page.Versions)
			}
			if !slices.Equal(tt.page.Versions, tt.wantVersions) {
				t.Errorf("versions: got %q, want %q", tt.page.Versions, tt.wantVersions)
			}
		})
	}
}

func TestPageConcurrent(t *testing.T) {
	s, err := New(Config{Allow: []string{"numpy>=1.24,<2"}, Platforms: []string{"manylinux*_x86_64"}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			s.AddProject(fmt.Sprintf("dep-%d", i))
			p := numpyPage()
			s.Page(p)
			if got := filenames(p); len(got) != 3 {
				t.Errorf("files: %q", got)
			}
		})
	}
	wg.Wait()
}
