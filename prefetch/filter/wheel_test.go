package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseWheelName(t *testing.T) {
	tests := []struct {
		in      string
		want    Wheel
		wantErr bool
	}{
		{in: "six-1.16.0-py2.py3-none-any.whl", want: Wheel{Name: "six", Version: "1.16.0", Python: []string{"py2", "py3"}, ABI: []string{"none"}, Platform: []string{"any"}}},
		{in: "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", want: Wheel{Name: "numpy", Version: "1.26.4", Python: []string{"cp312"}, ABI: []string{"cp312"}, Platform: []string{"manylinux_2_17_x86_64", "manylinux2014_x86_64"}}},
		{in: "foo-1.0-1build-py3-none-any.WHL", want: Wheel{Name: "foo", Version: "1.0", Build: "1build", Python: []string{"py3"}, ABI: []string{"none"}, Platform: []string{"any"}}},
		{in: "Foo_Bar-2.0_rc1-CP39-abi3-Win_AMD64.whl", want: Wheel{Name: "Foo_Bar", Version: "2.0_rc1", Python: []string{"cp39"}, ABI: []string{"abi3"}, Platform: []string{"win_amd64"}}},
		{in: "foo-1.0-x-py3-none-any.whl", wantErr: true}, // build tag must start with a digit
		{in: "foo-1.0-py3-none.whl", wantErr: true},
		{in: "foo-1.0-py3-none-any-x-y.whl", wantErr: true},
		{in: "foo-1.0-py3..py2-none-any.whl", wantErr: true},
		{in: "-1.0-py3-none-any.whl", wantErr: true},
		{in: "foo-1.0.tar.gz", wantErr: true},
		{in: ".whl", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseWheelName(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrNotWheel) {
				t.Errorf("ParseWheelName(%q) err = %v, want ErrNotWheel", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseWheelName(%q): %v", tt.in, err)
			continue
		}
		if got.Name != tt.want.Name || got.Version != tt.want.Version || got.Build != tt.want.Build ||
			!slices.Equal(got.Python, tt.want.Python) || !slices.Equal(got.ABI, tt.want.ABI) || !slices.Equal(got.Platform, tt.want.Platform) {
			t.Errorf("ParseWheelName(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestFileVersion(t *testing.T) {
	tests := []struct{ project, file, want string }{
		{"numpy", "numpy-1.26.4-cp312-cp312-win_amd64.whl", "1.26.4"},
		{"zope-interface", "zope.interface-6.0.tar.gz", "6.0"},
		{"django", "Django-4.2.1.tar.gz", "4.2.1"},
		{"foo-bar", "foo_bar-1.0-2.zip", "1.0-2"},
		{"pkg", "pkg-0.9.tar.bz2", "0.9"},
		{"pkg", "pkg-1.0-py2.7.egg", "1.0"},
		{"pkg", "pkg-1.0-py2.7-linux-x86_64.egg", "1.0"},
		{"pkg", "pkg-1.0.win32-py2.7.exe", "1.0"},
		{"pkg", "pkg-1.0.win-amd64-py3.5.exe", "1.0"},
		{"pkg", "pkg-1.0.linux-x86_64.exe", "1.0"},
		{"renamed", "oldname-2.1.tar.gz", "2.1"}, // fallback: first "-<digit>"
		{"pkg", "pkg.tar.gz", ""},
		{"pkg", "README.txt", ""},
		{"pkg", "pkg-1.0-py3-none.whl", ""},
	}
	for _, tt := range tests {
		if got := fileVersion(tt.project, tt.file); got != tt.want {
			t.Errorf("fileVersion(%q, %q) = %q, want %q", tt.project, tt.file, got, tt.want)
		}
	}
}

func FuzzParseWheelName(f *testing.F) {
	f.Add("six-1.16.0-py2.py3-none-any.whl")
	f.Fuzz(func(t *testing.T, name string) {
		w, err := ParseWheelName(name)
		if err != nil {
			return
		}
		parts := []string{w.Name, w.Version}
		if w.Build != "" {
			parts = append(parts, w.Build)
		}
		parts = append(parts, strings.Join(w.Python, "."), strings.Join(w.ABI, "."), strings.Join(w.Platform, "."))
		got := strings.Join(parts, "-") + ".whl"
		if !strings.EqualFold(got, name) {
			t.Fatalf("round trip: %q -> %+v -> %q", name, w, got)
		}
		for _, set := range [][]string{w.Python, w.ABI, w.Platform} {
			for _, tag := range set {
				if tag == "" || tag != strings.ToLower(tag) {
					t.Fatalf("%q: bad tag %q", name, tag)
				}
			}
		}
		fileVersion("x", name) // must not panic
	})
}
