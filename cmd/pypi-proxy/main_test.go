package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestServeConfigPrecedence(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "pypi-proxy.conf")
	os.WriteFile(conf, []byte(`# settings
upstream = https://config.example/simple/
index-ttl = 7m   # a comment
listen = 127.0.0.1:1111
max-cache-size = 2GiB
`), 0o644)
	t.Setenv("PYPI_PROXY_INDEX_TTL", "3m")
	t.Setenv("PYPI_PROXY_LISTEN", "127.0.0.1:2222")
	cfg, err := loadServeConfig([]string{"--config", conf, "--listen", "127.0.0.1:3333"}, io.Discard, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.listen != "127.0.0.1:3333" {
		t.Errorf("listen = %s: the command line must win", cfg.listen)
	}
	if cfg.indexTTL != 3*time.Minute {
		t.Errorf("index-ttl = %s: the environment must beat the config file", cfg.indexTTL)
	}
	if cfg.up.upstream != "https://config.example/simple/" || cfg.maxCacheSize != 2<<30 {
		t.Errorf("config file not applied: %s %d", cfg.up.upstream, cfg.maxCacheSize)
	}
	t.Setenv("PYPI_PROXY_CONFIG", conf)
	cfg, err = loadServeConfig(nil, io.Discard, &bytes.Buffer{})
	if err != nil || cfg.up.upstream != "https://config.example/simple/" {
		t.Errorf("config file from the environment: %v %s", err, cfg.up.upstream)
	}
}

func TestBadConfigFailsClearly(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("upstrem = x\n"), 0o644)
	readonly := filepath.Join(dir, "ro")
	os.WriteFile(readonly, nil, 0o444) // a file, not a directory
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--upstream", "ftp://x/simple/"}, "--upstream"},
		{[]string{"serve", "--upstream", "not a url"}, "--upstream"},
		{[]string{"serve", "--max-cache-size", "lots"}, "bad size"},
		{[]string{"serve", "--index-ttl", "soon"}, "index-ttl"},
		{[]string{"serve", "--log-format", "xml"}, "--log-format"},
		{[]string{"serve", "--config", bad}, `unknown setting "upstrem"`},
		{[]string{"serve", "--cache-dir", filepath.Join(readonly, "sub")}, "--cache-dir"},
		{[]string{"serve", "extra"}, "unexpected argument"},
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		code := run(context.Background(), tt.args, &bytes.Buffer{}, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to mention %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	var cfg serveConfig
	fs := serveFlags(&cfg)
	var out bytes.Buffer
	code := run(context.Background(), []string{"serve", "--help"}, &out, &out)
	if code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	fs.VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(out.String(), "--"+f.Name) || f.Usage == "" {
			t.Errorf("--help does not document --%s", f.Name)
		}
	})
}

func TestParseSize(t *testing.T) {
	tests := map[string]int64{"0": 0, "1024": 1024, "1KiB": 1024, "1.5GiB": 3 << 29, "50GiB": 50 << 30, "2GB": 2e9, "10M": 10 << 20, "7b": 7}
	for in, want := range tests {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "GiB", "1XB", "1e30"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}
