package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// heavyWheel builds a py3-none-any wheel of project heavy at version with
// size bytes of incompressible payload; requires become Requires-Dist.
func heavyWheel(t *testing.T, version string, size int, requires ...string) []byte {
	t.Helper()
	md := "Metadata-Version: 2.1\nName: heavy\nVersion: " + version + "\n"
	for _, r := range requires {
		md += "Requires-Dist: " + r + "\n"
	}
	payload := make([]byte, size)
	rand.New(rand.NewSource(int64(size))).Read(payload)
	info := "heavy-" + version + ".dist-info/"
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range []struct {
		name string
		data []byte
	}{
		{"heavy/__init__.py", []byte("")}, {"heavy/blob.bin", payload}, {info + "METADATA", []byte(md)},
		{info + "WHEEL", []byte("Wheel-Version: 1.0\nGenerator: e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n")},
		{info + "RECORD", []byte("")},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// advertisedMetadata reports how many files of project's page (through the
// proxy, JSON) advertise core-metadata with a sha256.
func advertisedMetadata(t *testing.T, base, project string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/simple/"+project+"/", nil)
	req.Header.Set("Accept", "application/vnd.pypi.simple.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Files []struct {
			CoreMetadata any `json:"core-metadata"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range page.Files {
		if m, ok := f.CoreMetadata.(map[string]any); ok && m["sha256"] != nil {
			n++
		}
	}
	return n
}

// htmlFront is a reverse proxy to target that asks for HTML pages whatever
// the client's Accept says: Debian's pip 23.0.1 reads PEP 658 metadata only
// from HTML (data-dist-info-metadata; in JSON it knows only the
// "dist-info-metadata" key, which the proxy never emits, as PyPI does not).
func htmlFront(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/simple/") {
			r.Header.Set("Accept", "text/html")
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPipResolvesFromExtractedMetadata: upstream offers no PEP 658 metadata
// for the 1 MiB wheels of heavy 1.0-4.0, and 2.0-4.0 depend on a project
// that does not exist, so pip backtracks through every version. A first
// resolution through the proxy (pip install --dry-run, no pip cache)
// downloads every candidate wheel whole to read its metadata; the proxy
// then extracts their METADATA and advertises it, and a second resolution
// with a fresh pip cache reads the candidates' metadata files and downloads
// only the wheel it picks (Debian's pip 23.0.1 downloads the chosen wheel
// even with --dry-run, twice), never reaching upstream. pip reads the pages
// as HTML (htmlFront); the same pip reading JSON does not use PEP 658 at
// all (logged, not asserted: a fact about that pip).
func TestPipResolvesFromExtractedMetadata(t *testing.T) {
	requirePip(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	const size = 1 << 20
	var allWheels, chosen int
	for _, v := range []string{"1.0", "2.0", "3.0", "4.0"} {
		var requires []string
		if v != "1.0" {
			requires = []string{"no-such-project-anywhere>=1"}
		}
		data := heavyWheel(t, v, size, requires...)
		fn := "heavy-" + v + "-py3-none-any.whl"
		up.AddFile("heavy", v, fn, data)
		up.HideMetadata("heavy", fn)
		allWheels += len(data)
		if v == "1.0" {
			chosen = len(data)
		}
	}
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir())
	defer p.stop(t)
	front := htmlFront(t, p.URL)

	// resolve runs pip's resolution through base and returns the bytes the
	// proxy served it as files and as metadata files.
	resolve := func(base string) (files, metadata float64) {
		_, before := httpGet(t, p.URL+"/metrics")
		pip(t, base+"/simple/", "install", "--dry-run", "--target", t.TempDir(), "heavy")
		_, after := httpGet(t, p.URL+"/metrics")
		bytesOf := func(route string) float64 {
			l := `route="` + route + `"`
			return metricValue(t, after, "pypi_proxy_http_response_bytes_total", l) -
				metricValue(t, before, "pypi_proxy_http_response_bytes_total", l)
		}
		return bytesOf("file"), bytesOf("metadata")
	}

	files1, meta1 := resolve(front)
	t.Logf("without PEP 658 metadata: pip downloaded %.0f bytes of wheels, %.0f of metadata", files1, meta1)
	if files1 < float64(allWheels) {
		t.Fatalf("first resolution downloaded %.0f wheel bytes, want every candidate whole (%d)", files1, allWheels)
	}
	waitFor(t, "the extracted metadata advertised", func() bool { return advertisedMetadata(t, p.URL, "heavy") >= 4 })

	up.ResetCounts()
	files2, meta2 := resolve(front)
	t.Logf("with extracted PEP 658 metadata: pip downloaded %.0f bytes of wheels, %.0f of metadata", files2, meta2)
	if files2 > float64(2*chosen) || meta2 == 0 {
		t.Errorf("second resolution: %.0f wheel bytes (want at most 2 x %d, the chosen wheel), %.0f metadata bytes (want > 0)",
			files2, chosen, meta2)
	}
	if n := up.Requests(fakepypi.FilesHost, ""); n != 0 {
		t.Errorf("second resolution reached the files host %d times", n)
	}
	files3, meta3 := resolve(p.URL)
	t.Logf("the same pip reading JSON pages: %.0f bytes of wheels, %.0f of metadata", files3, meta3)
}
