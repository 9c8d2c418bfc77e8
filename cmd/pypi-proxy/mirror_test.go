package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBandersnatchConfMirrorSettings: the [mirror] settings pypi-proxy
// shares with bandersnatch reach the mirror's config, flags win over them,
// and what it does differently is said.
func TestBandersnatchConfMirrorSettings(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "bandersnatch.conf")
	os.WriteFile(conf, []byte(`[mirror]
directory = /srv/pypi
master = https://pypi.example
workers = 5
json = true
release-files = false
stop-on-error = true
simple-format = HTML
`), 0o644)
	var stderr bytes.Buffer
	cfg, _, err := loadMirrorConfig([]string{"--bandersnatch-config", conf}, io.Discard, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.cacheDir != "/srv/pypi" || cfg.up.upstream != "https://pypi.example/simple/" || cfg.workers != 5 ||
		!cfg.jsonAPI || !cfg.indexOnly || !cfg.stopOnError {
		t.Errorf("bandersnatch.conf not applied: %+v", cfg)
	}
	if !strings.Contains(stderr.String(), "simple-format") {
		t.Errorf("simple-format = HTML not reported as ignored: %q", stderr.String())
	}
	cfg, _, err = loadMirrorConfig([]string{"--bandersnatch-config", conf, "--index-only=false", "--workers", "3"}, io.Discard, &bytes.Buffer{})
	if err != nil || cfg.indexOnly || cfg.workers != 3 {
		t.Errorf("flags must win over bandersnatch.conf: %v %+v", err, cfg)
	}
}
