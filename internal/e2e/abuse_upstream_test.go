package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// TestAbuseUpstreamFiles: a files host that sends more than declared, a
// corrupt file asked for by range, and a 1 byte/s trickle.
func TestAbuseUpstreamFiles(t *testing.T) {
	up, p := hostileSetup(t, "--shutdown-timeout", "2s") // the trickle is abandoned at the end
	path, data := demoFilePath(t, up, p)

	up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultOversize, Times: 1})
	if code, body, complete := boundedGet(t, p.URL+path, 20*time.Second); code == 200 && complete && body == string(data) {
		t.Error("oversized body: a complete 200 of unverified bytes")
	}
	up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultCorrupt, Times: 1})
	if code, _, _ := boundedGet(t, p.URL+path, 20*time.Second, "Range", "bytes=0-9"); code == http.StatusPartialContent {
		t.Error("range during a corrupt miss: a 206 of unverified bytes")
	}
	up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultTrickle, Delay: 20 * time.Millisecond})
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(p.URL + path)
	if err != nil {
		t.Fatalf("trickling miss: no response headers: %v", err)
	}
	resp.Body.Close()
	up.ClearFaults()
}

// TestAbuseSSRFAndUnhashed: a page linking a loopback service on another
// port, the metadata address, and a file with no sha256.
func TestAbuseSSRFAndUnhashed(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	internal, hits := internalService(t)
	_, realPath, _ := up.File("projectc", demoWheel)
	data, _, _ := up.File("projectc", demoWheel)
	sum := sha256.Sum256(data)
	up.Relink("projectc", demoWheel, internal.URL+realPath, hex.EncodeToString(sum[:]))
	up.Relink("projectc", "projectc-1.1-py3-none-any.whl", "http://169.254.169.254/latest/meta-data/x-1.0.tar.gz", hex.EncodeToString(sum[:]))
	up.Relink("projecta", "projecta-1.0-py3-none-any.whl", "", "")
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir())
	for _, project := range []string{"projectc", "projecta"} {
		code, body := httpGet(t, p.URL+"/simple/"+project+"/")
		if code != 200 {
			t.Fatalf("%s: %d %.200s", project, code, body)
		}
		for _, link := range packageLinks(body) {
			if code, body, _ := boundedGet(t, p.URL+link, 10*time.Second); code == 200 && strings.Contains(body, "secrets") {
				t.Errorf("%s served from an untrusted host", link)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the proxy made %d requests to an untrusted loopback service", n)
	}
	_, body := httpGet(t, p.URL+"/simple/projecta/")
	if strings.Contains(body, "projecta-1.0-py3-none-any.whl") {
		t.Error("a file with no sha256 is linked")
	}

	// The mirror obeys the same policy, with no client asking.
	out, err := exec.Command(binary, "mirror", "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(),
		"--cache-dir", t.TempDir(), "--progress", "none", "--log-level", "error").CombinedOutput()
	_ = err // a pass with refused files may report failures; what matters is where it went
	if n := hits.Load(); n != 0 {
		t.Errorf("the mirror made %d requests to an untrusted loopback service; output:\n%s", n, out)
	}
}

// TestAbusePagesNotStarved: 64 downloads that stall upstream, abandoned by
// their clients, leave an uncached page answering at once.
func TestAbusePagesNotStarved(t *testing.T) {
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	up.GenerateProjects(64, 1)
	fakepypi.PublishDemo(up)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir(),
		"--max-concurrent-upstream", "64")
	var paths []string
	for i := range 64 {
		_, body := httpGet(t, p.URL+"/simple/"+fmt.Sprintf("genpkg-%06d", i)+"/")
		paths = append(paths, packageLinks(body)[0])
	}
	up.SetFault(fakepypi.Fault{Host: fakepypi.FilesHost, Kind: fakepypi.FaultStall})
	client := &http.Client{Timeout: 10 * time.Second}
	for _, path := range paths {
		resp, err := client.Get(p.URL + path)
		if err != nil {
			t.Fatalf("a stalled download's headers: %v", err)
		}
		resp.Body.Close() // abandoned: the download goes on upstream
	}
	start := time.Now()
	code, body, _ := boundedGet(t, p.URL+"/simple/projectb/", 10*time.Second)
	if code != 200 {
		t.Fatalf("an uncached page with every file slot taken: %d %.200s", code, body)
	}
	t.Logf("uncached page with 64 stalled downloads: %s", time.Since(start))
}

// packageLinks lists the /packages/ paths a served page links.
func packageLinks(body string) []string {
	var out []string
	for _, part := range strings.Split(body, "/packages/")[1:] {
		out = append(out, "/packages/"+part[:strings.IndexAny(part, "#\"")])
	}
	return out
}
