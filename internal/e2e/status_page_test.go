package e2e

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// requireChromium finds Debian's chromium (or a chromium-browser).
func requireChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	_, err := exec.LookPath("chromium")
	require(t, "chromium (apt-get install chromium)", err)
	return ""
}

// TestStatusPageInBrowser renders the status page in a real headless
// chromium and checks the screenshot shows a page: a PNG of the asked
// size with a fair share of non-white pixels (text, tables, code blocks).
func TestStatusPageInBrowser(t *testing.T) {
	browser := requireChromium(t)
	up := fakepypi.New(fakepypi.Options{})
	defer up.Close()
	fakepypi.PublishDemo(up)
	p := startProxy(t, "--upstream", up.IndexURL(), "--trusted-file-host", up.FilesHost(), "--cache-dir", t.TempDir())
	mustGet(t, p.URL+firstFileLink(t, p.URL, "projecta"))

	dir := t.TempDir()
	shot := filepath.Join(dir, "status.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1200,900", p.URL+"/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	defer f.Close()
	fi, _ := f.Stat()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != 1200 || b.Dy() != 900 {
		t.Errorf("screenshot %dx%d, want 1200x900", b.Dx(), b.Dy())
	}
	ink, colours := inkShare(img)
	t.Logf("screenshot: %d bytes, %.1f%% non-white pixels, %d colours", fi.Size(), ink*100, colours)
	if fi.Size() < 10<<10 || ink < 0.02 || colours < 8 {
		t.Errorf("the screenshot looks blank: %d bytes, %.2f%% non-white, %d colours", fi.Size(), ink*100, colours)
	}
	if _, body := httpGet(t, p.URL+"/status"); !strings.Contains(body, `"recent_downloads":[{`) {
		t.Errorf("/status does not list the download: %s", body)
	}
}

// inkShare is the share of pixels that are not (near) white, and how many
// distinct colours the image has (capped at 1000).
func inkShare(img image.Image) (float64, int) {
	b := img.Bounds()
	ink, total := 0, 0
	colours := map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			total++
			if r < 0xF000 || g < 0xF000 || bl < 0xF000 {
				ink++
			}
			if len(colours) < 1000 {
				colours[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			}
		}
	}
	return float64(ink) / float64(total), len(colours)
}
