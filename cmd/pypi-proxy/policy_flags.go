package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/prefetch/filter"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// policyFlags are the supply-chain policy the index enforces (serve).
type policyFlags struct {
	minReleaseAge   time.Duration
	excludeNewer    string
	allowMissingAge bool
	exempt          []string
}

func (f *policyFlags) register(fs *pflag.FlagSet) {
	fs.DurationVar(&f.minReleaseAge, "min-release-age", 0, "hide files uploaded less than this long ago from pages and the JSON API, and refuse their download with 403 (e.g. 72h; 0: off)")
	fs.StringVar(&f.excludeNewer, "exclude-newer", "", "hide and refuse files uploaded after this RFC 3339 time (e.g. 2025-01-31T00:00:00Z)")
	fs.BoolVar(&f.allowMissingAge, "allow-missing-upload-time", false, "under --min-release-age or --exclude-newer, serve files whose index gives no upload-time (default: hide them)")
	fs.StringArrayVar(&f.exempt, "policy-exempt", nil, "a project name or glob (acme-*), or @FILE of them, that --min-release-age and --exclude-newer do not apply to (repeat)")
}

// build returns the index Policy.
func (f *policyFlags) build() (index.Policy, error) {
	p := index.Policy{MinReleaseAge: f.minReleaseAge, AllowMissingUploadTime: f.allowMissingAge, VersionOf: filter.FileVersion}
	if f.minReleaseAge < 0 {
		return p, usageErr("--min-release-age must not be negative")
	}
	if f.excludeNewer != "" {
		t, err := time.Parse(time.RFC3339, f.excludeNewer)
		if err != nil {
			return p, usageErr("--exclude-newer: %v", err)
		}
		p.ExcludeNewer = t
	}
	for _, v := range f.exempt {
		patterns, err := upstream.ParsePatterns(v)
		if err != nil {
			return p, usageErr("--policy-exempt %s: %v", v, err)
		}
		p.Exempt = append(p.Exempt, patterns...)
	}
	return p, nil
}
