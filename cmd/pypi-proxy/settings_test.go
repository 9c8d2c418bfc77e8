package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readmeConfig is the README's config file example: one file for every
// command, so mirror and verify skip serve's listen.
const readmeConfig = `# /etc/pypi-proxy.conf
listen = 0.0.0.0:3141
upstream = https://pypi.org/simple/
cache-dir = "/var/cache/pypi-proxy"
max-cache-size = 200GiB
index-ttl = 10m
log-format = json
`

func TestOneConfigFileForEveryCommand(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "pypi-proxy.conf")
	os.WriteFile(conf, []byte(readmeConfig), 0o644)
	cfg, err := loadServeConfig([]string{"--config", conf}, io.Discard, io.Discard)
	if err != nil || cfg.listen != "0.0.0.0:3141" || cfg.cacheDir != "/var/cache/pypi-proxy" {
		t.Fatalf("serve: %v %+v", err, cfg)
	}
	mcfg, _, err := loadMirrorConfig([]string{"--config", conf}, io.Discard, io.Discard)
	if err != nil || mcfg.cacheDir != "/var/cache/pypi-proxy" || mcfg.logFormat != "json" {
		t.Fatalf("mirror --config with serve's settings: %v", err)
	}
	var vcfg verifyConfig
	fs := verifyFlags(&vcfg)
	if err := parseFlags(fs, []string{"--config", conf}); err != nil || vcfg.cacheDir != "/var/cache/pypi-proxy" {
		t.Fatalf("verify --config: %v %q", err, vcfg.cacheDir)
	}
	os.WriteFile(conf, []byte(readmeConfig+"lisen = x\n"), 0o644)
	if _, _, err := loadMirrorConfig([]string{"--config", conf}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), `unknown setting "lisen"`) {
		t.Errorf("a setting no command has: %v", err)
	}
}

func TestQuotedConfigValues(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(conf, []byte("listen = \"127.0.0.1:0\"\nupstream = 'https://x.example/simple/'\nallow = \"numpy>=1.24,<2\"\n"), 0o644)
	cfg, err := loadServeConfig([]string{"--config", conf}, io.Discard, io.Discard)
	if err != nil || cfg.listen != "127.0.0.1:0" || cfg.up.upstream != "https://x.example/simple/" ||
		!slices.Equal(cfg.filters.cfg.Allow, []string{"numpy>=1.24,<2"}) {
		t.Errorf("quotes kept: %v %q %q %q", err, cfg.listen, cfg.up.upstream, cfg.filters.cfg.Allow)
	}
}

func TestEnvironmentLists(t *testing.T) {
	t.Setenv("PYPI_PROXY_ALLOW", "numpy>=1.24,<2, requests\nflask")
	t.Setenv("PYPI_PROXY_NAME_REGEX", "^a{1,3}$\n^b")
	cfg, _, err := loadMirrorConfig(nil, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"numpy>=1.24,<2", "requests", "flask"}; !slices.Equal(cfg.filters.cfg.Allow, want) {
		t.Errorf("allow = %q, want %q", cfg.filters.cfg.Allow, want)
	}
	if want := []string{"^a{1,3}$", "^b"}; !slices.Equal(cfg.filters.cfg.NameRegex, want) {
		t.Errorf("name-regex = %q, want %q", cfg.filters.cfg.NameRegex, want)
	}
}

func TestUnknownEnvironmentWarned(t *testing.T) {
	t.Setenv("PYPI_PROXY_UPSTRAM", "https://x.example/simple/")
	var stderr bytes.Buffer
	if _, err := loadServeConfig(nil, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "PYPI_PROXY_UPSTRAM") {
		t.Errorf("no warning about PYPI_PROXY_UPSTRAM: %q", stderr.String())
	}
	stderr.Reset()
	t.Setenv("PYPI_PROXY_UPSTRAM", "")
	os.Unsetenv("PYPI_PROXY_UPSTRAM")
	t.Setenv("PYPI_PROXY_LISTEN", "127.0.0.1:1") // serve's, read by mirror's environment too
	if _, _, err := loadMirrorConfig(nil, io.Discard, &stderr); err != nil || stderr.Len() != 0 {
		t.Errorf("another command's variable warned about: %v %q", err, stderr.String())
	}
}

// TestInvalidValuesRefused: each invalid value stops the command at start
// with the culprit named.
func TestInvalidValuesRefused(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"serve", "--memory", "0"}, "--memory"},
		{nil, []string{"serve", "--index-ttl", "-5m"}, "--index-ttl -5m0s"},
		{nil, []string{"mirror", "--upstream-timeout", "-1s"}, "--upstream-timeout"},
		{nil, []string{"serve", "--cache-dir", dir, "--upstream-password", "secret"}, "--upstream-username"},
		{map[string]string{"HOME": "", "XDG_CACHE_HOME": ""}, []string{"serve"}, "--cache-dir"},
		{map[string]string{"HOME": "", "XDG_CACHE_HOME": ""}, []string{"mirror"}, "--cache-dir"},
		{map[string]string{"HOME": "", "XDG_CACHE_HOME": ""}, []string{"verify"}, "--cache-dir"},
		{nil, []string{"healthcheck", "--timeout", "0s"}, "--timeout"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stderr bytes.Buffer
			code := run(context.Background(), tt.args, io.Discard, &stderr)
			if code == 0 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want it to name %q", code, stderr.String(), tt.want)
			}
		})
	}
	if strings.Contains(defaultCacheDir(), "pypi-proxy-cache") {
		t.Error("a relative default cache directory")
	}
}

// TestHelpOnStdout: `serve --help | less` shows the flags.
func TestHelpOnStdout(t *testing.T) {
	for _, cmd := range []string{"serve", "mirror", "verify", "healthcheck"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{cmd, "--help"}, &stdout, &stderr); code != 0 {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		if !strings.Contains(stdout.String(), "--") || stderr.Len() != 0 {
			t.Errorf("%s --help: stdout %d bytes, stderr %q", cmd, stdout.Len(), stderr.String())
		}
	}
}
