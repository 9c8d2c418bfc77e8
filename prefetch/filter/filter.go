// Package filter decides what an eager mirror copies: which projects, which
// releases of them and which of their files. It takes one flag-shaped Config
// (the mirror command maps flags and bandersnatch.conf onto it, see
// LoadBandersnatchConf) and builds a Set that the sync engine asks per project
// (Project) and applies to each fetched page (Page), so that pages served from
// the mirror never link a file the mirror does not hold.
//
// Filters combine with AND: a file is kept only when every configured filter
// keeps it. Project-level: Allow/RequirementsFiles (plus AddProject),
// bare names in Block, NameRegex, BlockNameRegex. Release-level (decided per
// version, see Page): specifiers in Allow and Block, ExcludePrereleases,
// ReleaseRegex, KeepLatest. File-level: Platforms, ExcludePlatforms,
// PythonTags, MaxFileSize, Cooldown. Project size: MaxProjectSize.
package filter

import (
	"fmt"
	"regexp"
	"sync"
	"time"

	pep440 "github.com/aquasecurity/go-pep440-version"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// Set is a validated Config, safe for concurrent use.
type Set struct {
	mu       sync.RWMutex
	allowAll bool                     // no allowlist configured
	allow    map[string][]requirement // guarded by mu once New returns

	blockProject  map[string]bool
	blockReleases map[string][]*pep440.Specifiers
	excludePre    bool
	preProjects   map[string]bool // nil = all projects
	keepLatest    int
	tags          tagMatcher
	maxFileSize   int64
	maxProject    int64
	cooldown      time.Duration
	now           func() time.Time
	nameRe        []*regexp.Regexp
	blockNameRe   []*regexp.Regexp
	releaseRe     []*regexp.Regexp
	active        bool
}

// New validates cfg and builds its Set. Errors name the offending entry: a bad
// requirement or specifier, an unreadable requirements file (with file:line
// for bad lines), a bad regexp or glob, a negative limit.
func New(cfg Config) (*Set, error) {
	s := &Set{
		allow:         map[string][]requirement{},
		blockProject:  map[string]bool{},
		blockReleases: map[string][]*pep440.Specifiers{},
		excludePre:    cfg.ExcludePrereleases,
		keepLatest:    cfg.KeepLatest,
		maxFileSize:   cfg.MaxFileSize,
		maxProject:    cfg.MaxProjectSize,
		cooldown:      cfg.Cooldown,
		now:           cfg.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	switch {
	case cfg.KeepLatest < 0:
		return nil, fmt.Errorf("filter: KeepLatest %d is negative", cfg.KeepLatest)
	case cfg.MaxFileSize < 0:
		return nil, fmt.Errorf("filter: MaxFileSize %d is negative", cfg.MaxFileSize)
	case cfg.MaxProjectSize < 0:
		return nil, fmt.Errorf("filter: MaxProjectSize %d is negative", cfg.MaxProjectSize)
	case cfg.Cooldown < 0:
		return nil, fmt.Errorf("filter: Cooldown %v is negative", cfg.Cooldown)
	}
	if err := s.addAllow(cfg); err != nil {
		return nil, err
	}
	if err := s.addBlock(cfg.Block); err != nil {
		return nil, err
	}
	if len(cfg.PrereleaseProjects) > 0 {
		s.preProjects = map[string]bool{}
		for _, n := range cfg.PrereleaseProjects {
			if err := simple.ValidateName(n); err != nil {
				return nil, fmt.Errorf("filter: PrereleaseProjects: %w", err)
			}
			s.preProjects[simple.Normalize(n)] = true
		}
	}
	var err error
	if s.tags, err = newTagMatcher(cfg); err != nil {
		return nil, err
	}
	if s.nameRe, err = compileAll("NameRegex", cfg.NameRegex); err != nil {
		return nil, err
	}
	if s.blockNameRe, err = compileAll("BlockNameRegex", cfg.BlockNameRegex); err != nil {
		return nil, err
	}
	if s.releaseRe, err = compileAll("ReleaseRegex", cfg.ReleaseRegex); err != nil {
		return nil, err
	}
	s.active = !s.allowAll || len(s.blockProject) > 0 || len(s.blockReleases) > 0 ||
		s.excludePre || s.keepLatest > 0 || s.tags.active() || s.maxFileSize > 0 ||
		s.maxProject > 0 || s.cooldown > 0 || len(s.nameRe) > 0 || len(s.blockNameRe) > 0 ||
		len(s.releaseRe) > 0
	return s, nil
}

func (s *Set) addAllow(cfg Config) error {
	var reqs []requirement
	for _, a := range cfg.Allow {
		r, err := parseRequirement(a)
		if err != nil {
			return fmt.Errorf("filter: Allow: %w", err)
		}
		reqs = append(reqs, r)
	}
	fromFiles, err := readRequirementsFiles(cfg.RequirementsFiles)
	if err != nil {
		return err
	}
	for _, r := range fromFiles {
		if cfg.RequirementsNamesOnly {
			r.spec, r.specs = "", nil
		}
		reqs = append(reqs, r)
	}
	s.allowAll = len(cfg.Allow) == 0 && len(cfg.RequirementsFiles) == 0
	for _, r := range reqs {
		s.allow[r.name] = append(s.allow[r.name], r)
	}
	return nil
}

func (s *Set) addBlock(block []string) error {
	for _, b := range block {
		r, err := parseRequirement(b)
		if err != nil {
			return fmt.Errorf("filter: Block: %w", err)
		}
		if r.specs == nil {
			s.blockProject[r.name] = true
		} else {
			s.blockReleases[r.name] = append(s.blockReleases[r.name], r.specs)
		}
	}
	return nil
}

func compileAll(field string, patterns []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("filter: %s: bad regexp %q: %v", field, p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// Active reports whether any filter is configured; when false, Project is
// always true and Page never changes a page.
func (s *Set) Active() bool {
	return s.active
}

// Project reports whether the project should be mirrored at all. name is
// normalized again here.
func (s *Set) Project(name string) bool {
	name = simple.Normalize(name)
	if s.blockProject[name] || matchesAny(s.blockNameRe, name) {
		return false
	}
	if len(s.nameRe) > 0 && !matchesAny(s.nameRe, name) {
		return false
	}
	if s.allowAll {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.allow[name]
	return ok
}

// AddProject adds name to the allowlist with every version allowed (the
// dependency closure). It never widens an entry already there (a dependency
// on numpy keeps "numpy>=1.24,<2" as the user wrote it), and it does nothing
// when no allowlist is configured (everything is allowed already). Block and
// the name regexes still apply.
func (s *Set) AddProject(name string) {
	if s.allowAll || name == "" {
		return
	}
	name = simple.Normalize(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.allow[name]; !ok {
		s.allow[name] = []requirement{{name: name}}
	}
}

// allowSpecs returns the specifiers restricting the project's releases; nil
// when every version is allowed.
func (s *Set) allowSpecs(name string) []*pep440.Specifiers {
	if s.allowAll {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*pep440.Specifiers
	for _, r := range s.allow[name] {
		if r.specs == nil {
			return nil
		}
		out = append(out, r.specs)
	}
	return out
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
