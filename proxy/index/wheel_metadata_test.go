package index

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// makeZip builds a zip of the given entries (name -> content).
func makeZip(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWheelMetadata: METADATA is found as pip finds it (the one top-level
// .dist-info directory), through a plain ReadSeeker as well, and refused
// where pip would refuse the wheel or the entry is over the cap.
func TestWheelMetadata(t *testing.T) {
	big := strings.Repeat("x", maxMetadataSize+1)
	for _, tc := range []struct {
		name    string
		entries map[string]string
		want    string // "" = errNoWheelMetadata
	}{
		{"one dist-info", map[string]string{"a/__init__.py": "", "a-1.0.dist-info/METADATA": "Name: a\n", "a-1.0.dist-info/RECORD": ""}, "Name: a\n"},
		{"two dist-info", map[string]string{"a-1.0.dist-info/METADATA": "Name: a\n", "b-1.0.dist-info/METADATA": "Name: b\n"}, ""},
		{"no METADATA", map[string]string{"a-1.0.dist-info/RECORD": ""}, ""},
		{"nested only", map[string]string{"x/a-1.0.dist-info/METADATA": "Name: a\n"}, ""},
		{"over the cap", map[string]string{"a-1.0.dist-info/METADATA": big}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := makeZip(t, tc.entries)
			got, err := wheelMetadata(&seekReaderAt{rs: bytes.NewReader(data)}, int64(len(data)))
			if tc.want == "" {
				if !errors.Is(err, errNoWheelMetadata) {
					t.Errorf("got %q, %v; want errNoWheelMetadata", got, err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
