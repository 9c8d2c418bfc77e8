package main

import (
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/proxy"
)

// authFlags say who may read what (serve only).
type authFlags struct {
	htpasswd       string
	groups         []string // NAME=user,user
	readers        []string // INDEX=user,@group,*
	metricsReaders string   // user,@group
}

func (f *authFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.htpasswd, "auth-htpasswd", "", "htpasswd file of bcrypt hashes (htpasswd -B); clients authenticate with HTTP Basic; reloaded on change")
	fs.StringArrayVar(&f.groups, "auth-group", nil, "NAME=USER,USER: a group readers can name as @NAME (repeat)")
	fs.StringArrayVar(&f.readers, "index-readers", nil, "INDEX=USER,@GROUP,*: only these may read index INDEX and its projects (repeat; an index without readers is anonymous; the one --upstream is named \"upstream\")")
	fs.StringVar(&f.metricsReaders, "metrics-readers", "", "USER,@GROUP: only these may read /metrics and the status page (/, /status) on --listen")
}

// build returns the proxy's AuthConfig, nil when --auth-htpasswd is not set.
func (f *authFlags) build(indexNames []string, log *slog.Logger) (*proxy.AuthConfig, error) {
	if f.htpasswd == "" {
		if len(f.groups)+len(f.readers) > 0 || f.metricsReaders != "" {
			return nil, usageErr("--auth-group, --index-readers and --metrics-readers need --auth-htpasswd")
		}
		return nil, nil
	}
	cfg := &proxy.AuthConfig{HtpasswdFile: f.htpasswd, Groups: map[string][]string{}, Readers: map[string][]string{}, Logger: log}
	for _, v := range f.groups {
		name, users, err := splitNamed("--auth-group", v)
		if err != nil {
			return nil, err
		}
		cfg.Groups[name] = splitNames(users)
	}
	for _, v := range f.readers {
		name, readers, err := splitNamed("--index-readers", v)
		if err != nil {
			return nil, err
		}
		known := false
		for _, n := range indexNames {
			known = known || n == name
		}
		if !known {
			return nil, usageErr("--index-readers %s: no index named %s (indexes: %s)", v, name, strings.Join(indexNames, ", "))
		}
		cfg.Readers[name] = splitNames(readers)
		for _, r := range cfg.Readers[name] {
			if g, ok := strings.CutPrefix(r, "@"); ok && cfg.Groups[g] == nil {
				return nil, usageErr("--index-readers %s: no --auth-group %s", v, g)
			}
		}
	}
	if f.metricsReaders != "" {
		cfg.MetricsReaders = splitNames(f.metricsReaders)
	}
	return cfg, nil
}

func splitNames(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
