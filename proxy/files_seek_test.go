package proxy

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestSizedFile: the size probe costs nothing, and reads after any seek
// start where the caller asked, directly and through asFile (sendfile).
func TestSizedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, start := range []int64{0, 4} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s := &sizedFile{f: f, size: 10}
		if n, err := s.Seek(0, io.SeekEnd); n != 10 || err != nil {
			t.Fatalf("size probe: %d, %v", n, err)
		}
		if n, err := s.Seek(start, io.SeekStart); n != start || err != nil {
			t.Fatalf("seek %d: %d, %v", start, n, err)
		}
		src, isFile, err := asFile(&io.LimitedReader{R: s, N: 3})
		if err != nil || !isFile {
			t.Fatalf("asFile: %v, %v", isFile, err)
		}
		if lr := src.(*io.LimitedReader); lr.R != io.Reader(f) {
			t.Fatalf("asFile left %T in the LimitedReader", lr.R)
		}
		got, _ := io.ReadAll(src)
		if want := "0123456789"[start : start+3]; string(got) != want {
			t.Errorf("from %d: read %q, want %q", start, got, want)
		}
	}
}
