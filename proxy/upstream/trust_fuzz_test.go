package upstream

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzTrustAllows: a file URL is allowed only on the index's host or a
// trusted one, whatever its spelling.
func FuzzTrustAllows(f *testing.F) {
	f.Add("https://files.pythonhosted.org/packages/a/b/c/x.whl")
	f.Add("https://files.pythonhosted.org.evil.example/x.whl")
	f.Add("http://[::1]:80/x")
	f.Add("https://user:pw@pypi.org@evil.example/x")
	f.Add("https://PYPI.ORG:443/x")
	index, _ := url.Parse("https://pypi.org/simple/")
	tr, err := newTrust(index, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil || !tr.allows(u) {
			return
		}
		host := strings.ToLower(u.Hostname())
		if host != "pypi.org" && host != "files.pythonhosted.org" {
			t.Fatalf("%q allowed: host %q", raw, host)
		}
		if p := u.Port(); p != "" && p != "80" && p != "443" {
			t.Fatalf("%q allowed on port %q", raw, p)
		}
	})
}

// FuzzRedact: a URL that Redact returns carries no credentials but the
// REDACTED marker, and error text loses every userinfo.
func FuzzRedact(f *testing.F) {
	f.Add("https://alice:s3cret@idx.example/simple/")
	f.Add("http://bob:hunter2@127.0.0.1:1/packages/x.whl")
	f.Add("https://only-user@host/x")
	f.Fuzz(func(t *testing.T, raw string) {
		out := Redact(raw)
		u, err := url.Parse(out)
		if err == nil && u.User != nil && u.User.String() != "REDACTED" {
			t.Fatalf("Redact(%q) = %q keeps userinfo %q", raw, out, u.User.String())
		}
		msg := redactIn(`Get "` + raw + `": refused`)
		if m := userinfo.FindString(msg); m != "" && m != "//REDACTED@" {
			t.Fatalf("redactIn kept %q in %q", m, msg)
		}
	})
}
