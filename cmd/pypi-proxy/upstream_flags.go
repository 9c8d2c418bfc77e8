package main

import (
	"time"

	"github.com/spf13/pflag"
)

// upstreamFlags say how to reach the upstream index: shared by serve,
// mirror and verify.
type upstreamFlags struct {
	upstream    string
	timeout     time.Duration
	retries     int
	username    string
	password    string
	token       string
	caFile      string
	maxUpstream int
	trust       trustFlags
	limits      upstreamLimitFlags
}

func (u *upstreamFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&u.upstream, "upstream", "https://pypi.org/simple/", "root URL of the upstream Simple API (PEP 503/691); user:pass@ in it is used as credentials")
	fs.DurationVar(&u.timeout, "upstream-timeout", 30*time.Second, "timeout of one upstream index request")
	fs.IntVar(&u.retries, "upstream-retries", 2, "retries of a failed upstream request, with exponential backoff (0: none)")
	fs.IntVar(&u.maxUpstream, "max-concurrent-upstream", 64, "upstream file downloads in flight at most (index requests have --max-concurrent-pages; 0: unlimited)")
	fs.StringVar(&u.username, "upstream-username", "", "basic-auth user for a private upstream index")
	fs.StringVar(&u.password, "upstream-password", "", "basic-auth password for the upstream index (prefer the environment variable)")
	fs.StringVar(&u.token, "upstream-token", "", "bearer token for the upstream index (prefer the environment variable)")
	fs.StringVar(&u.caFile, "ca-file", "", "PEM file of extra CA certificates to trust for upstream TLS")
	u.trust.register(fs)
	u.limits.register(fs)
}

// machinery starts a machineryConfig with the upstream settings.
func (u *upstreamFlags) machinery(cacheDir string) machineryConfig {
	cfg := machineryConfig{
		upstream: u.upstream, cacheDir: cacheDir, timeout: u.timeout, retries: u.retries,
		username: u.username, password: u.password, token: u.token, caFile: u.caFile, maxUpstream: u.maxUpstream,
	}
	u.trust.apply(&cfg)
	u.limits.apply(&cfg)
	return cfg
}
