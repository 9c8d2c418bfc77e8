package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// RouterConfig configures a Routed router. Zero values are the documented
// defaults.
type RouterConfig struct {
	// Indexes in probe order; at least one, names unique and not empty.
	Indexes []Index
	// Rules pin projects to indexes; the first that matches wins.
	Rules []Rule
	// AbsentTTL is how long an index's 404 for a project is remembered,
	// so that later indexes are asked directly (default 10m). When it
	// expires the earlier index is asked again: a project it gained since
	// moves back to it.
	AbsentTTL time.Duration
	// Audit, when set, is told every routing decision: the project, the
	// index and the rule ("route_pin", "route_probe", "fail_closed").
	Audit func(project, index, rule string)
}

// Routed serves each project from exactly one of several indexes: the
// one a rule names, else the first index in order that has the project.
// It never merges pages and never falls through on a failure: an index
// that answers anything but 404 (5xx, timeout, refused, 401) ends the
// probe with a 503, so a project of a private index that is down is never
// fetched from a public one.
type Routed struct {
	cfg    RouterConfig
	byName map[string]Index

	mu     sync.Mutex
	absent map[string][]time.Time // project -> until when index i said 404
}

// NewRouted builds a Routed router; rules must name known indexes.
func NewRouted(cfg RouterConfig) (*Routed, error) {
	if len(cfg.Indexes) == 0 {
		return nil, errors.New("router: no index")
	}
	if cfg.AbsentTTL <= 0 {
		cfg.AbsentTTL = 10 * time.Minute
	}
	if cfg.Audit == nil {
		cfg.Audit = func(string, string, string) {}
	}
	r := &Routed{cfg: cfg, byName: map[string]Index{}, absent: map[string][]time.Time{}}
	for _, ix := range cfg.Indexes {
		if ix.Name() == "" || r.byName[ix.Name()] != nil {
			return nil, fmt.Errorf("router: index name %q empty or repeated", ix.Name())
		}
		r.byName[ix.Name()] = ix
	}
	for _, rule := range cfg.Rules {
		if r.byName[rule.Index] == nil {
			return nil, fmt.Errorf("router: rule %q names unknown index %q", rule.Pattern, rule.Index)
		}
	}
	return r, nil
}

// ForProject is the index a rule pins the project to, else a prober that
// asks the indexes in order.
func (r *Routed) ForProject(name string) Index {
	if ix, ok := r.Pinned(name); ok {
		return pinned{Index: ix, audit: r.cfg.Audit}
	}
	return &prober{r: r, name: name}
}

// Pinned is the index a rule pins name to.
func (r *Routed) Pinned(name string) (Index, bool) {
	for _, rule := range r.cfg.Rules {
		if rule.Match(name) {
			return r.byName[rule.Index], true
		}
	}
	return nil, false
}

// Root is the first index (the mirror's changelog source); the index
// service lists the union of every index's root itself.
func (r *Routed) Root() Index { return r.cfg.Indexes[0] }

// Named is the index called name ("" is the first, for records written
// before indexes had names).
func (r *Routed) Named(name string) Index {
	if name == "" {
		return r.cfg.Indexes[0]
	}
	return r.byName[name]
}

// Indexes lists every index in probe order.
func (r *Routed) Indexes() []Index { return r.cfg.Indexes }

// fetchProject asks the indexes in order, skipping those whose 404 is
// remembered; the first page wins, a 404 moves on, anything else fails
// closed.
func (r *Routed) fetchProject(ctx context.Context, name string) (*Page, Index, error) {
	var last error
	for i, ix := range r.cfg.Indexes {
		if r.isAbsent(name, i) {
			continue
		}
		pg, err := ix.FetchProjectPage(ctx, name)
		if err == nil {
			r.cfg.Audit(name, ix.Name(), "route_probe")
			return pg, ix, nil
		}
		if !IsNotFound(err) {
			r.cfg.Audit(name, ix.Name(), "fail_closed")
			return nil, ix, &Error{Kind: KindUnavailable, Status: http.StatusServiceUnavailable, URL: name,
				Err: fmt.Errorf("index %s did not answer for %s; not asking later indexes: %w", ix.Name(), name, err)}
		}
		r.markAbsent(name, i)
		last = err
	}
	if last == nil { // every index's 404 is remembered
		last = &Error{Kind: KindNotFound, Status: http.StatusNotFound, URL: name}
	}
	return nil, nil, last
}

func (r *Routed) isAbsent(name string, i int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	until := r.absent[name]
	return i < len(until) && time.Now().Before(until[i])
}

func (r *Routed) markAbsent(name string, i int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	until := r.absent[name]
	if len(until) <= i {
		until = append(until, make([]time.Time, i+1-len(until))...)
	}
	until[i] = time.Now().Add(r.cfg.AbsentTTL)
	r.absent[name] = until
}
