package main

import (
	"log/slog"
	"slices"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// openRouter builds one upstream client per index and the router over
// them: upstream.Single for the one --upstream, upstream.Routed for
// several --index.
func openRouter(cfg machineryConfig, httpCache cache.Store, audit func(project, index, rule string), log *slog.Logger) (upstream.Router, []*upstream.Client, error) {
	retries := cfg.retries
	if retries == 0 {
		retries = -1
	}
	client := func(s indexSpec) (*upstream.Client, error) {
		up, err := upstream.New(upstream.Config{
			IndexURL: s.url, Name: s.name, HTTPCache: httpCache, Timeout: cfg.timeout,
			Retries: retries, Username: s.username, Password: s.password, Token: s.token, CAFile: s.caFile,
			MaxConcurrent: cfg.maxUpstream, TrustedFileHosts: append(slices.Clone(cfg.trustedFileHosts), s.trustedHosts...),
			MaxConcurrentPages: cfg.maxPages, MaxPageBytes: cfg.maxPageBytes, UserAgent: "pypi-proxy/" + version, Logger: log,
		})
		if err != nil {
			return nil, usageErr("upstream %s: %v", s.name, err)
		}
		return up, nil
	}
	if len(cfg.indexes) == 0 {
		if _, err := upstream.ParseIndexURL(cfg.upstream); err != nil {
			return nil, nil, usageErr("--upstream: %v", err)
		}
		up, err := client(indexSpec{url: cfg.upstream, username: cfg.username, password: cfg.password,
			token: cfg.token, caFile: cfg.caFile})
		if err != nil {
			return nil, nil, err
		}
		return upstream.Single{Index: up}, []*upstream.Client{up}, nil
	}
	indexes := make([]upstream.Index, 0, len(cfg.indexes))
	clients := make([]*upstream.Client, 0, len(cfg.indexes))
	for _, s := range cfg.indexes {
		up, err := client(s)
		if err != nil {
			return nil, nil, err
		}
		indexes, clients = append(indexes, up), append(clients, up)
	}
	r, err := upstream.NewRouted(upstream.RouterConfig{Indexes: indexes, Rules: cfg.rules, AbsentTTL: cfg.indexTTL, Audit: audit})
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	return r, clients, nil
}

// auditedFilter runs the block and allow lists and reports every file
// they drop.
func auditedFilter(f index.Filter, dropped func(project, file string)) index.Filter {
	return func(p *simple.Project) {
		before := make(map[string]bool, len(p.Files))
		for _, file := range p.Files {
			before[file.Filename] = true
		}
		f(p)
		for _, file := range p.Files {
			delete(before, file.Filename)
		}
		for name := range before {
			dropped(p.Name, name)
		}
	}
}
