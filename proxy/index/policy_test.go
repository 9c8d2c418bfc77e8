package index

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

func TestPolicyHold(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	p := Policy{MinReleaseAge: 72 * time.Hour, ExcludeNewer: now.Add(-time.Hour), Exempt: []string{"acme-*"},
		Now: func() time.Time { return now }}
	for _, tc := range []struct {
		project, uploaded, rule string
	}{
		{"lib", "2025-05-01T00:00:00Z", ""},
		{"lib", "2025-05-31T00:00:00.123456Z", RuleCooldown},
		{"lib", "2025-05-31T23:30:00Z", RuleExclude},
		{"lib", "", RuleNoTime},
		{"lib", "yesterday", RuleNoTime},
		{"acme-x", "", ""},
		{"acme-x", "2025-05-31T23:30:00Z", ""},
	} {
		h := p.hold(tc.project, tc.uploaded)
		if (h == nil) != (tc.rule == "") || h != nil && h.Rule != tc.rule {
			t.Errorf("%s %q: %+v, want rule %q", tc.project, tc.uploaded, h, tc.rule)
		}
	}
	p.AllowMissingUploadTime = true
	if h := p.hold("lib", ""); h != nil {
		t.Errorf("missing upload-time held with AllowMissingUploadTime: %v", h)
	}
	if h := (&Policy{}).hold("lib", ""); h != nil {
		t.Errorf("zero policy held a file: %v", h)
	}
}

func TestApplyPolicyKeepsVersionsConsistent(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	s := &Service{log: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: Config{Policy: Policy{MinReleaseAge: time.Hour,
		Now: func() time.Time { return now }, VersionOf: func(_, filename string) string {
			return strings.TrimSuffix(strings.Split(filename, "-")[1], ".tar.gz")
		}}}}
	proj := &simple.Project{Name: "lib", Versions: []string{"0.9", "1.0", "2.0", "3.0"}, Files: []simple.File{
		{Filename: "lib-1.0-py3-none-any.whl", UploadTime: "2025-01-01T00:00:00Z"},
		{Filename: "lib-2.0-py3-none-any.whl", UploadTime: "2025-05-31T23:59:00Z"},
		{Filename: "lib-3.0.tar.gz", UploadTime: "2025-01-01T00:00:00Z"},
		{Filename: "lib-3.0-py3-none-any.whl", UploadTime: "2025-05-31T23:59:00Z"},
	}}
	s.applyPolicy(proj, "upstream")
	var files []string
	for _, f := range proj.Files {
		files = append(files, f.Filename)
	}
	if !slices.Equal(files, []string{"lib-1.0-py3-none-any.whl", "lib-3.0.tar.gz"}) {
		t.Errorf("files %v", files)
	}
	// 0.9 has no files upstream (kept), 2.0 lost its only file, 3.0 keeps its sdist.
	if !slices.Equal(proj.Versions, []string{"0.9", "1.0", "3.0"}) {
		t.Errorf("versions %v", proj.Versions)
	}
}
