package fakepypi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestFilesHost(t *testing.T) {
	u := newDemo(t, Options{})
	whl := "projecta-1.0-py3-none-any.whl"
	data, path, ok := u.File("projecta", whl)
	if !ok {
		t.Fatal("no file")
	}
	parts := strings.Split(strings.TrimPrefix(path, "/packages/"), "/")
	if len(parts) != 4 || len(parts[0]) != 2 || len(parts[1]) != 2 || len(parts[2]) != 60 || parts[3] != whl {
		t.Errorf("path %q", path)
	}
	resp, body := get(t, u.FilesURL()+path, nil)
	if !bytes.Equal(body, data) || resp.Header.Get("Cache-Control") != "max-age=365000000, immutable, public" ||
		resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("ETag") == "" || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("file response %d %v", resp.StatusCode, resp.Header)
	}
	head, err := http.Head(u.FilesURL() + path)
	if err != nil || head.StatusCode != 200 || head.Header.Get("Accept-Ranges") != "bytes" ||
		head.ContentLength != int64(len(data)) {
		t.Errorf("HEAD: %v %v", err, head)
	}
	resp, body = get(t, u.FilesURL()+path, map[string]string{"Range": "bytes=-10"})
	if resp.StatusCode != 206 || !bytes.Equal(body, data[len(data)-10:]) {
		t.Errorf("suffix range: %d", resp.StatusCode)
	}
	resp, _ = get(t, u.FilesURL()+path, map[string]string{"If-None-Match": resp.Header.Get("ETag")})
	if resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	// PEP 658 metadata matches the advertised hash and the wheel's METADATA.
	d := detail(t, u, "projecta")
	var adv string
	for _, f := range d.Files {
		if f.Filename == whl {
			adv = f.CoreMetadata.(map[string]any)["sha256"].(string)
		}
	}
	_, md := get(t, u.FilesURL()+path+".metadata", nil)
	sum := sha256.Sum256(md)
	if hex.EncodeToString(sum[:]) != adv || !bytes.Equal(md, wheelMetadata(data)) {
		t.Errorf("metadata mismatch:\n%s", md)
	}
	if !strings.Contains(string(md), "Requires-Dist: projectb>=1.0") {
		t.Errorf("metadata: %s", md)
	}
	for _, p := range []string{path + "x", "/packages/aa/bb/cc/x.whl", "/", strings.Replace(path, ".whl", ".tar.gz", 1) + ".metadata"} {
		if resp, _ := get(t, u.FilesURL()+p, nil); resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	sd, sdPath, _ := u.File("projecta", "projecta-1.0.tar.gz")
	if resp, _ := get(t, u.FilesURL()+sdPath+".metadata", nil); resp.StatusCode != 404 || len(sd) == 0 {
		t.Errorf("sdist metadata: %d", resp.StatusCode)
	}
}

func TestDeterministicDists(t *testing.T) {
	r := Release{Version: "1.2", Requires: []string{"a"}, Extras: []string{"x"}}
	a, b := buildDists("Some.Name", r), buildDists("Some.Name", r)
	for i := range a {
		if a[i].sha256 != b[i].sha256 || a[i].filename != b[i].filename {
			t.Errorf("%s not deterministic", a[i].filename)
		}
	}
	if a[0].filename != "some_name-1.2-py3-none-any.whl" || a[1].filename != "some_name-1.2.tar.gz" {
		t.Errorf("names %s %s", a[0].filename, a[1].filename)
	}
}

func TestAddFile(t *testing.T) {
	u := New(Options{})
	defer u.Close()
	_, data := buildWheel("real", "3.0", coreMetadata("real", Release{Version: "3.0", RequiresPython: ">=3.9"}, "s"))
	u.AddFile("real", "3.0", "real-3.0-py3-none-any.whl", data)
	d := detail(t, u, "real")
	if len(d.Files) != 1 || d.Files[0].CoreMetadata == false || *d.Files[0].RequiresPython != ">=3.9" {
		t.Errorf("AddFile page: %+v", d.Files)
	}
	rows := u.Changelog(0, 0)
	if last := rows[len(rows)-1]; last.Action != "add py3 file real-3.0-py3-none-any.whl" || last.Version != "3.0" {
		t.Errorf("row %+v", last)
	}
}

func TestUploadTime(t *testing.T) {
	u := New(Options{})
	defer u.Close()
	at := time.Date(2023, 5, 6, 7, 8, 9, 123456000, time.UTC)
	u.Publish("timed", Release{Version: "1", Wheel: true, UploadTime: at})
	s := u.Publish("timed", Release{Version: "2", Wheel: true})
	d := detail(t, u, "timed")
	if d.Files[0].UploadTime != "2023-05-06T07:08:09.123456Z" || d.Files[1].UploadTime != uploadTime(SerialTime(s)) {
		t.Errorf("upload times %q %q", d.Files[0].UploadTime, d.Files[1].UploadTime)
	}
}

func TestBandwidth(t *testing.T) {
	u := New(Options{FilesBandwidth: 100 << 10})
	defer u.Close()
	blob := bytes.Repeat([]byte("x"), 60<<10)
	u.AddFile("big", "1.0", "big-1.0.tar.gz", blob)
	start := time.Now()
	_, body := get(t, u.FileURL("big", "big-1.0.tar.gz"), nil)
	el := time.Since(start)
	// 60 KiB at 100 KiB/s with a 5 KiB burst: at least 0.55 s. A busy
	// machine only adds to that; TestThrottlePace checks there is no more.
	if len(body) != len(blob) || el < 549*time.Millisecond {
		t.Errorf("%d bytes in %v", len(body), el)
	}
}

// TestThrottlePace: on a fake clock, the throttle sends 60 KiB at 100 KiB/s
// (5 KiB chunks, one of burst) in exactly 0.55 s: never ahead of the rate,
// and never behind it.
func TestThrottlePace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil)
		w := newThrottled(rec, req, 100<<10, make(chan struct{}))
		start := time.Now()
		if n, err := w.Write(make([]byte, 60<<10)); n != 60<<10 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		if el := time.Since(start); el < 549*time.Millisecond || el > 551*time.Millisecond {
			t.Errorf("60 KiB at 100 KiB/s took %v on the fake clock, want 550ms", el)
		}
		if rec.Body.Len() != 60<<10 {
			t.Errorf("%d bytes written", rec.Body.Len())
		}
	})
}

func TestGenerateProjectsSpeed(t *testing.T) {
	u := New(Options{})
	defer u.Close()
	start := time.Now()
	u.GenerateProjects(3000, 2)
	// Typically ~0.2 s on an idle 2-core machine; the bound is loose because CI machines are shared.
	el := time.Since(start)
	t.Logf("GenerateProjects(3000, 2) took %v", el)
	if el > 10*time.Second && !raceEnabled {
		t.Errorf("GenerateProjects(3000, 2) took %v", el)
	}
	if n := len(u.ProjectSerials()); n != 3000 {
		t.Errorf("%d projects", n)
	}
	u.GenerateProjects(10, 1)
	if n := len(u.ProjectSerials()); n != 3010 {
		t.Errorf("%d projects after second call", n)
	}
	d := detail(t, u, "genpkg-000042")
	if len(d.Files) != 2 {
		t.Errorf("files %+v", d.Files)
	}
	resp, body := get(t, d.Files[1].URL, nil)
	if resp.StatusCode != 200 || len(body) != d.Files[1].Size {
		t.Errorf("generated file %d", resp.StatusCode)
	}
}
