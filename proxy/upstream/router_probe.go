package upstream

import (
	"context"
	"errors"
	"io"
	"net/url"
)

// pinned is an index a routing rule chose for a project.
type pinned struct {
	Index
	audit func(project, index, rule string)
}

// FetchProjectPage fetches from the pinned index only.
func (p pinned) FetchProjectPage(ctx context.Context, name string) (*Page, error) {
	pg, err := p.Index.FetchProjectPage(ctx, name)
	if err == nil {
		p.audit(name, p.Name(), "route_pin")
		pg.Index = p.Name()
	}
	return pg, err
}

// prober is the Index of one project no rule pins: the first index in
// order that has it. Its page fetch decides; its other methods go to the
// index that decision names, deciding first when needed.
type prober struct {
	r    *Routed
	name string
}

// Name is the router's first index: the prober stands for the set.
func (p *prober) Name() string { return p.r.cfg.Indexes[0].Name() }

// IndexURL is the first index's.
func (p *prober) IndexURL() *url.URL { return p.r.cfg.Indexes[0].IndexURL() }

// FetchProjectPage asks the indexes in order (see Routed).
func (p *prober) FetchProjectPage(ctx context.Context, name string) (*Page, error) {
	pg, ix, err := p.r.fetchProject(ctx, name)
	if err != nil {
		return nil, err
	}
	pg.Index = ix.Name()
	return pg, nil
}

// FetchRootPage is the first index's.
func (p *prober) FetchRootPage(ctx context.Context) (*Page, error) {
	return p.r.cfg.Indexes[0].FetchRootPage(ctx)
}

// FetchJSONAPI asks the index that serves the project's page: a JSON API
// 404 from a private index that has no JSON API must not send the
// project to a public one.
func (p *prober) FetchJSONAPI(ctx context.Context, name, version string) (*Page, error) {
	ix, err := p.decide(ctx)
	if err != nil {
		return nil, err
	}
	pg, err := ix.FetchJSONAPI(ctx, name, version)
	if err == nil {
		pg.Index = ix.Name()
	}
	return pg, err
}

// OpenFile opens a file through the index that serves the project.
func (p *prober) OpenFile(ctx context.Context, rawURL string) (io.ReadCloser, int64, error) {
	ix, err := p.decide(ctx)
	if err != nil {
		return nil, 0, err
	}
	return ix.OpenFile(ctx, rawURL)
}

// Ping pings every index.
func (p *prober) Ping(ctx context.Context) error {
	var errs []error
	for _, ix := range p.r.cfg.Indexes {
		errs = append(errs, ix.Ping(ctx))
	}
	return errors.Join(errs...)
}

// CallXMLRPC goes to the first index.
func (p *prober) CallXMLRPC(ctx context.Context, body []byte) ([]byte, error) {
	return p.r.cfg.Indexes[0].CallXMLRPC(ctx, body)
}

// decide finds the project's index by fetching its page.
func (p *prober) decide(ctx context.Context) (Index, error) {
	_, ix, err := p.r.fetchProject(ctx, p.name)
	return ix, err
}
