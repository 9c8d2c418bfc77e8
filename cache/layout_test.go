package cache

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestPageKeys(t *testing.T) {
	tests := []struct{ got, want string }{
		{ProjectPageKey("numpy", PageHTML), "web/simple/numpy/index.html"},
		{ProjectPageKey("numpy", PageV1HTML), "web/simple/numpy/index.v1_html"},
		{ProjectPageKey("numpy", PageV1JSON), "web/simple/numpy/index.v1_json"},
		{RootPageKey(PageHTML), "web/simple/index.html"},
		{RootPageKey(PageV1HTML), "web/simple/index.v1_html"},
		{RootPageKey(PageV1JSON), "web/simple/index.v1_json"},
		{JSONKey("numpy"), "web/json/numpy"},
		{JSONAPIKey("numpy"), "web/pypi/numpy/json"},
		{JSONAPIVersionKey("numpy", "2.0.0rc1"), "web/pypi/numpy/2.0.0rc1/json"},
		{ProjectOriginsKey("numpy"), "state/origins/numpy.json"},
		// hostile or impossible inputs give "", which no Store accepts
		{ProjectPageKey("../etc", PageHTML), ""},
		{ProjectPageKey("a/b", PageHTML), ""},
		{ProjectPageKey("", PageHTML), ""},
		{ProjectPageKey(".hidden", PageHTML), ""},
		{ProjectPageKey("a\\b", PageHTML), ""},
		{ProjectPageKey("a\nb", PageHTML), ""},
		{ProjectPageKey("numpy", PageFormat(7)), ""},
		{RootPageKey(PageFormat(-1)), ""},
		{JSONKey(".."), ""},
		{JSONAPIKey("x/../../y"), ""},
		{JSONAPIVersionKey("numpy", "../1"), ""},
		{ProjectOriginsKey("../x"), ""},
		{ProjectOriginsKey(""), ""},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
		if tt.want != "" {
			if err := ValidKey(tt.got); err != nil {
				t.Errorf("%d: %v", i, err)
			}
		}
	}
	if PageV1JSON.String() != "index.v1_json" {
		t.Errorf("String = %q", PageV1JSON)
	}
}

const (
	pypiRest = "3c7a0ffbb48cdc1a02f7e0bbe0f4b6b7a6b2b8a8c8e6f0e1b1d0f0c1d1e1" // 60 hex
	sha      = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func TestPackageKey(t *testing.T) {
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	const whl = "numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.whl"
	pypi := "https://files.pythonhosted.org/packages/ab/cd/" + pypiRest + "/" + whl
	derived := "web/packages/e3/b0/" + sha[4:] + "/" + whl
	tests := []struct {
		name     string
		u        *url.URL
		filename string
		sha      string
		want     string
		wantErr  bool
	}{
		{"pypi shape kept", mustURL(pypi), whl, sha, "web/packages/ab/cd/" + pypiRest + "/" + whl, false},
		{"pypi shape, no sha", mustURL(pypi), whl, "", "web/packages/ab/cd/" + pypiRest + "/" + whl, false},
		{"pypi shape with fragment", mustURL(pypi + "#sha256=" + sha), whl, sha, "web/packages/ab/cd/" + pypiRest + "/" + whl, false},
		{"other host path", mustURL("https://example.org/files/" + whl), whl, sha, derived, false},
		{"prefix before packages", mustURL("https://devpi/root/pypi/+f/packages/ab/cd/" + pypiRest + "/" + whl), whl, sha, derived, false},
		{"upper-case hex dir", mustURL("https://h/packages/AB/cd/" + pypiRest + "/" + whl), whl, sha, derived, false},
		{"too deep", mustURL("https://h/packages/ab/cd/ef/" + pypiRest + "/" + whl), whl, sha, derived, false},
		{"url filename differs", mustURL("https://h/packages/ab/cd/" + pypiRest + "/other.whl"), whl, sha, derived, false},
		{"traversal in url", mustURL("https://h/packages/ab/cd/../../../" + whl), whl, sha, derived, false},
		{"upper-case sha", mustURL("https://h/x/" + whl), whl, strings.ToUpper(sha), derived, false},
		{"nil url with sha", nil, whl, sha, derived, false},
		{"escaped filename", mustURL("https://h/packages/ab/cd/" + pypiRest + "/a%2Bb-1.0.tar.gz"), "a+b-1.0.tar.gz", "",
			"web/packages/ab/cd/" + pypiRest + "/a+b-1.0.tar.gz", false},
		{"nil url no sha", nil, whl, "", "", true},
		{"bad sha", nil, whl, "xyz", "", true},
		{"short sha", nil, whl, sha[:10], "", true},
		{"slash in filename", nil, "a/b.whl", sha, "", true},
		{"backslash in filename", nil, `a\b.whl`, sha, "", true},
		{"dotdot filename", nil, "..", sha, "", true},
		{"dotdot inside", nil, "a..b.whl", sha, "", true},
		{"hidden filename", nil, ".tmp-x", sha, "", true},
		{"control in filename", nil, "a\x00.whl", sha, "", true},
		{"empty filename", nil, "", sha, "", true},
	}
	for _, tt := range tests {
		got, err := PackageKey(tt.u, tt.filename, tt.sha)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: PackageKey = %q, %v; want %q (err %v)", tt.name, got, err, tt.want, tt.wantErr)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrBadPackagePath) {
				t.Errorf("%s: error %v is not ErrBadPackagePath", tt.name, err)
			}
			continue
		}
		if err := ValidKey(got); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		// Round trip through the served URL path.
		back, err := KeyForPackagePath(PackageURLPath(got))
		if err != nil || back != got {
			t.Errorf("%s: round trip %q -> %q -> %q, %v", tt.name, got, PackageURLPath(got), back, err)
		}
	}
	// With no sha256 the URL decides, deterministically.
	a, _ := PackageKey(mustURL("https://h/a/"+whl), whl, "")
	b, _ := PackageKey(mustURL("https://h/b/"+whl), whl, "")
	if a == b || !strings.HasPrefix(a, PackagesPrefix) {
		t.Errorf("URL-derived keys %q, %q", a, b)
	}
}

func TestKeyForPackagePath(t *testing.T) {
	ok := "/packages/ab/cd/" + pypiRest + "/x-1.0.tar.gz"
	if got, err := KeyForPackagePath(ok); err != nil || got != "web/packages/ab/cd/"+pypiRest+"/x-1.0.tar.gz" {
		t.Errorf("KeyForPackagePath(%q) = %q, %v", ok, got, err)
	}
	if got, err := KeyForPackagePath(ok + ".metadata"); err != nil || !strings.HasSuffix(got, ".tar.gz.metadata") {
		t.Errorf("PEP 658 metadata path: %q, %v", got, err)
	}
	bad := []string{
		"", "/", "/packages/", "packages/ab/cd/ef/x.whl", "/simple/numpy/",
		"/packages/ab/cd/x.whl",
		"/packages/ab/cd/ef/gh/x.whl",
		"/packages/ab/cd/ef/",
		"/packages/ab/cd/ef/..",
		"/packages/ab/cd/ef/.hidden",
		"/packages/ab/cd/ef/.tmp-123",
		"/packages/../cd/ef/x.whl",
		"/packages/ab/../ef/x.whl",
		"/packages/ab/cd/../x.whl",
		"/packages/ab/cd/ef/x\\..\\y.whl",
		"/packages/ab/cd/ef/a\x00.whl",
		"/packages/ab//ef/x.whl",
		"/packages/abc/cd/ef/x.whl",
		"/packages/ab/cd/e/x.whl",
		"/packages/zz/cd/ef/x.whl",
		"/packages/ab/cd/EF/x.whl",
		"/x/packages/ab/cd/ef/x.whl",
	}
	for _, p := range bad {
		if got, err := KeyForPackagePath(p); err == nil {
			t.Errorf("KeyForPackagePath(%q) = %q, want error", p, got)
		}
	}
	if PackageURLPath("web/simple/x/index.html") != "" || PackageURLPath("web/packages/") != "" {
		t.Errorf("PackageURLPath accepted a non-package key")
	}
}

func FuzzKeyForPackagePath(f *testing.F) {
	f.Add("/packages/ab/cd/" + pypiRest + "/x-1.0.tar.gz")
	f.Add("/packages/ab/cd/ef/../../x")
	f.Fuzz(func(t *testing.T, p string) {
		key, err := KeyForPackagePath(p)
		if err != nil {
			return
		}
		if err := ValidKey(key); err != nil || !strings.HasPrefix(key, PackagesPrefix) {
			t.Fatalf("KeyForPackagePath(%q) = %q: %v", p, key, err)
		}
		if PackageURLPath(key) != p {
			t.Fatalf("round trip %q -> %q -> %q", p, key, PackageURLPath(key))
		}
	})
}

func TestPageMetaKey(t *testing.T) {
	for in, want := range map[string]string{
		ProjectPageKey("foo", PageV1JSON): "state/pages/simple/foo/index.v1_json",
		RootPageKey(PageV1JSON):           "state/pages/simple/index.v1_json",
		JSONAPIKey("foo"):                 PageMetaPrefix + strings.TrimPrefix(JSONAPIKey("foo"), WebPrefix),
		"state/origins/foo.json":          "",
		"web/":                            "",
	} {
		if got := PageMetaKey(in); got != want {
			t.Errorf("PageMetaKey(%q) = %q, want %q", in, got, want)
		}
	}
}
