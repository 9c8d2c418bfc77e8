package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIndexFlagsFromConfigFile(t *testing.T) {
	dir := t.TempDir()
	secret, names := filepath.Join(dir, "pw"), filepath.Join(dir, "names")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	os.WriteFile(names, []byte("Acme_Tools\n# ours\nacme.cli\n"), 0o644)
	conf := filepath.Join(dir, "pypi-proxy.conf")
	os.WriteFile(conf, []byte(`index = private=https://private.example/simple/
index = pypi=https://pypi.org/simple/
index-username = private=ci
index-password-file = private=`+secret+`
route = @`+names+`=private
route = corp-*=private
min-release-age = 72h
exclude-newer = 2025-01-31T00:00:00Z
policy-exempt = corp-*
`), 0o644)
	cfg, err := loadServeConfig([]string{"--config", conf}, io.Discard, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	specs, rules, err := cfg.indexes.build()
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].name != "private" || specs[0].username != "ci" || specs[0].password != "s3cret" || specs[1].name != "pypi" {
		t.Errorf("specs %+v", specs)
	}
	var got []string
	for _, r := range rules {
		got = append(got, r.Pattern+"="+r.Index)
	}
	if strings.Join(got, " ") != "acme-tools=private acme-cli=private corp-*=private" {
		t.Errorf("rules %v", got)
	}
	p, err := cfg.policy.build()
	if err != nil || p.MinReleaseAge != 72*time.Hour || p.ExcludeNewer.IsZero() || len(p.Exempt) != 1 || p.VersionOf == nil {
		t.Errorf("policy %+v %v", p, err)
	}
}

func TestIndexAuthPolicyFlagErrors(t *testing.T) {
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	os.WriteFile(htpasswd, nil, 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--upstream", "https://a.example/simple/", "--index", "a=https://a.example/simple/"}, "exclude each other"},
		{[]string{"--route", "x=a"}, "need --index"},
		{[]string{"--index", "a"}, "NAME=VALUE"},
		{[]string{"--index", "a=ftp://x/"}, "--index a"},
		{[]string{"--index", "a=https://a.example/simple/", "--index", "a=https://b.example/simple/"}, "twice"},
		{[]string{"--index", "a=https://a.example/simple/", "--route", "x=b"}, "no --index named b"},
		{[]string{"--index", "a=https://a.example/simple/", "--index-ca-file", "b=/x"}, "no --index named b"},
		{[]string{"--index", "a=https://a.example/simple/", "--index-password-file", "a=/nonexistent"}, "--index-password-file a"},
		{[]string{"--index", "a=https://a.example/simple/", "--index-page-ttl", "a=-5m"}, "--index-page-ttl"},
		{[]string{"--index", "a=https://a.example/simple/", "--index-page-ttl", "a=soon"}, "--index-page-ttl"},
	} {
		cfg, err := loadServeConfig(tc.args, io.Discard, &bytes.Buffer{})
		if err == nil {
			_, _, err = cfg.indexes.build()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	for _, tc := range []struct {
		auth authFlags
		want string
	}{
		{authFlags{readers: []string{"a=alice"}}, "need --auth-htpasswd"},
		{authFlags{htpasswd: htpasswd, readers: []string{"b=alice"}}, "no index named b"},
		{authFlags{htpasswd: htpasswd, readers: []string{"a=@team"}}, "no --auth-group team"},
	} {
		if _, err := tc.auth.build([]string{"a"}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.auth, err, tc.want)
		}
	}
	for _, p := range []policyFlags{{minReleaseAge: -time.Hour}, {excludeNewer: "yesterday"}, {exempt: []string{"[x"}}} {
		if _, err := p.build(); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

// TestIndexPageTTLFlag: --index-page-ttl gives one index its own page TTL.
func TestIndexPageTTLFlag(t *testing.T) {
	cfg, err := loadServeConfig([]string{"--index", "a=https://a.example/simple/", "--index", "b=https://b.example/simple/",
		"--index-page-ttl", "b=1h", "--index-trusted-host", "b=files.b.example"}, io.Discard, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	specs, _, err := cfg.indexes.build()
	if err != nil {
		t.Fatal(err)
	}
	if got := pageTTLs(specs); len(got) != 1 || got["b"] != time.Hour {
		t.Errorf("page TTLs %v, want b=1h only", got)
	}
	if len(specs[0].trustedHosts) != 0 || !slices.Equal(specs[1].trustedHosts, []string{"files.b.example"}) {
		t.Errorf("trusted hosts a=%v b=%v, want b's only", specs[0].trustedHosts, specs[1].trustedHosts)
	}
}
