package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// indexFlags describe several upstream indexes and the rules that route
// projects to them (serve only). Without --index, --upstream is the one
// index.
type indexFlags struct {
	indexes       []string // NAME=URL, in probe order
	usernames     []string // NAME=USER
	passwordFiles []string // NAME=FILE
	tokenFiles    []string // NAME=FILE
	caFiles       []string // NAME=FILE
	ttls          []string // NAME=DURATION
	trustedHosts  []string // NAME=HOST
	routes        []string // PATTERN=NAME or @FILE=NAME
	upstreamGiven bool     // --upstream was set (flag, environment or config file)
}

// indexSpec is one upstream index as the flags describe it.
type indexSpec struct {
	name, url, username, password, token, caFile string
	ttl                                          time.Duration // 0: --index-ttl
	trustedHosts                                 []string      // besides --trusted-file-host
}

func (f *indexFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.indexes, "index", nil, "an upstream index NAME=URL (repeat; order is probe order; replaces --upstream)")
	fs.StringArrayVar(&f.usernames, "index-username", nil, "NAME=USER: basic-auth user for index NAME (repeat)")
	fs.StringArrayVar(&f.passwordFiles, "index-password-file", nil, "NAME=FILE: file holding the basic-auth password of index NAME (repeat)")
	fs.StringArrayVar(&f.tokenFiles, "index-token-file", nil, "NAME=FILE: file holding a bearer token for index NAME (repeat)")
	fs.StringArrayVar(&f.caFiles, "index-ca-file", nil, "NAME=FILE: PEM CA certificates to trust for index NAME (repeat)")
	fs.StringArrayVar(&f.ttls, "index-page-ttl", nil, "NAME=DURATION: how long pages of index NAME are served without asking it (repeat; default --index-ttl)")
	fs.StringArrayVar(&f.trustedHosts, "index-trusted-host", nil, "NAME=HOST[:PORT]: a host the files of index NAME may come from, besides its own and --trusted-file-host (repeat)")
	fs.StringArrayVar(&f.routes, "route", nil, "PATTERN=NAME: serve projects matching PATTERN (a name or glob like acme-*; @FILE reads names from a file) only from index NAME (repeat; first match wins)")
}

// build checks the flags and returns the indexes (none: use --upstream)
// and the routing rules.
func (f *indexFlags) build() ([]indexSpec, []upstream.Rule, error) {
	if len(f.indexes) == 0 {
		if len(f.usernames)+len(f.passwordFiles)+len(f.tokenFiles)+len(f.caFiles)+len(f.ttls)+len(f.trustedHosts)+len(f.routes) > 0 {
			return nil, nil, usageErr("--index-* and --route need --index")
		}
		return nil, nil, nil
	}
	if f.upstreamGiven {
		return nil, nil, usageErr("--upstream and --index exclude each other (--upstream is the one-index shorthand)")
	}
	specs := make([]indexSpec, 0, len(f.indexes))
	byName := map[string]*indexSpec{}
	for _, v := range f.indexes {
		name, url, err := splitNamed("--index", v)
		if err != nil {
			return nil, nil, err
		}
		if _, dup := byName[name]; dup {
			return nil, nil, usageErr("--index %s given twice", name)
		}
		if _, err := upstream.ParseIndexURL(url); err != nil {
			return nil, nil, usageErr("--index %s: %v", name, err)
		}
		specs = append(specs, indexSpec{name: name, url: url})
		byName[name] = &specs[len(specs)-1]
	}
	set := func(flag string, values []string, fromFile bool, apply func(*indexSpec, string)) error {
		for _, v := range values {
			name, value, err := splitNamed(flag, v)
			if err != nil {
				return err
			}
			spec := byName[name]
			if spec == nil {
				return usageErr("%s %s: no --index named %s", flag, v, name)
			}
			if fromFile {
				data, err := os.ReadFile(value)
				if err != nil {
					return usageErr("%s %s: %v", flag, name, err)
				}
				value = strings.TrimSpace(string(data))
			}
			apply(spec, value)
		}
		return nil
	}
	var ttlErr error
	for _, err := range []error{
		set("--index-username", f.usernames, false, func(s *indexSpec, v string) { s.username = v }),
		set("--index-password-file", f.passwordFiles, true, func(s *indexSpec, v string) { s.password = v }),
		set("--index-token-file", f.tokenFiles, true, func(s *indexSpec, v string) { s.token = v }),
		set("--index-ca-file", f.caFiles, false, func(s *indexSpec, v string) { s.caFile = v }),
		set("--index-trusted-host", f.trustedHosts, false, func(s *indexSpec, v string) { s.trustedHosts = append(s.trustedHosts, v) }),
		set("--index-page-ttl", f.ttls, false, func(s *indexSpec, v string) { s.ttl, ttlErr = parsePositiveDuration(v) }),
	} {
		if err != nil {
			return nil, nil, err
		}
	}
	if ttlErr != nil {
		return nil, nil, usageErr("--index-page-ttl: %v", ttlErr)
	}
	var rules []upstream.Rule
	for _, v := range f.routes {
		rs, err := upstream.ParseRule(v)
		if err != nil {
			return nil, nil, usageErr("--route: %v", err)
		}
		if len(rs) > 0 && byName[rs[0].Index] == nil {
			return nil, nil, usageErr("--route %s: no --index named %s", v, rs[0].Index)
		}
		rules = append(rules, rs...)
	}
	return specs, rules, nil
}

// parsePositiveDuration parses a duration that must be above zero.
func parsePositiveDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err == nil && d <= 0 {
		err = fmt.Errorf("%s: must be above zero", v)
	}
	return d, err
}

// pageTTLs maps each index with its own page TTL to it.
func pageTTLs(specs []indexSpec) map[string]time.Duration {
	ttls := map[string]time.Duration{}
	for _, s := range specs {
		if s.ttl > 0 {
			ttls[s.name] = s.ttl
		}
	}
	return ttls
}

// splitNamed splits NAME=VALUE.
func splitNamed(flag, v string) (string, string, error) {
	name, value, ok := strings.Cut(v, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return "", "", usageErr("%s %q: want NAME=VALUE", flag, v)
	}
	return name, value, nil
}
