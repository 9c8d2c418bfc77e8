package index

import (
	"fmt"
	"path"
	"time"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// Policy is the supply-chain policy enforced at the index, for every
// client at once. The zero value enforces nothing.
type Policy struct {
	// MinReleaseAge hides files younger than this (by upload-time) from
	// pages and the JSON API, and refuses their download (403).
	MinReleaseAge time.Duration
	// ExcludeNewer hides files uploaded after it (zero: no cut-off).
	ExcludeNewer time.Time
	// AllowMissingUploadTime serves files without an upload-time under a
	// cooldown or cut-off; by default they are hidden (fail closed).
	AllowMissingUploadTime bool
	// Exempt lists normalized project names or globs (path.Match) the
	// cooldown and cut-off do not apply to.
	Exempt []string
	// VersionOf is the version a filename of project carries ("" unknown),
	// to drop from `versions` the releases whose every file is hidden;
	// nil leaves versions alone.
	VersionOf func(project, filename string) string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// timed reports whether a cooldown or cut-off is configured.
func (p *Policy) timed() bool { return p.MinReleaseAge > 0 || !p.ExcludeNewer.IsZero() }

// exempt reports whether project escapes the cooldown and cut-off.
func (p *Policy) exempt(project string) bool {
	for _, pat := range p.Exempt {
		if ok, _ := path.Match(pat, project); ok {
			return true
		}
	}
	return false
}

// Held is a file the policy refuses for now: the HTTP layer answers 403
// with Reason.
type Held struct {
	Rule, Reason string
}

func (h *Held) Error() string { return h.Reason }

// hold decides one file by its upload-time (as upstream wrote it): nil to
// serve it, else why not.
func (p *Policy) hold(project, uploadTime string) *Held {
	if !p.timed() || p.exempt(project) {
		return nil
	}
	if uploadTime == "" {
		if p.AllowMissingUploadTime {
			return nil
		}
		return &Held{Rule: RuleNoTime, Reason: "held by policy: the index gives no upload-time, and a release cooldown is in force"}
	}
	at, err := time.Parse(time.RFC3339Nano, uploadTime)
	if err != nil {
		return &Held{Rule: RuleNoTime, Reason: fmt.Sprintf("held by policy: unreadable upload-time %q under a release cooldown", uploadTime)}
	}
	if !p.ExcludeNewer.IsZero() && at.After(p.ExcludeNewer) {
		return &Held{Rule: RuleExclude, Reason: fmt.Sprintf("held by policy: uploaded %s, after the cut-off %s",
			at.UTC().Format(time.RFC3339), p.ExcludeNewer.UTC().Format(time.RFC3339))}
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	if p.MinReleaseAge > 0 && now().Sub(at) < p.MinReleaseAge {
		return &Held{Rule: RuleCooldown, Reason: fmt.Sprintf("held by policy: uploaded %s, younger than the minimum release age %s; served from %s",
			at.UTC().Format(time.RFC3339), p.MinReleaseAge, at.Add(p.MinReleaseAge).UTC().Format(time.RFC3339))}
	}
	return nil
}

// applyPolicy hides from a parsed page the files the policy holds, and
// from its versions the releases left with no file, auditing each
// decision.
func (s *Service) applyPolicy(proj *simple.Project, ixName string) {
	p := &s.cfg.Policy
	if !p.timed() {
		return
	}
	hidden, shown := map[string]bool{}, map[string]bool{}
	kept := proj.Files[:0]
	for _, f := range proj.Files {
		v := ""
		if p.VersionOf != nil {
			v = p.VersionOf(proj.Name, f.Filename)
		}
		if h := p.hold(proj.Name, f.UploadTime); h != nil {
			s.Audit(proj.Name, f.Filename, ixName, h.Rule)
			hidden[v] = true
			continue
		}
		shown[v] = true
		kept = append(kept, f)
	}
	clear(proj.Files[len(kept):])
	proj.Files = kept
	if len(hidden) == 0 || proj.Versions == nil || p.VersionOf == nil {
		return
	}
	versions := proj.Versions[:0]
	for _, v := range proj.Versions {
		if !hidden[v] || shown[v] {
			versions = append(versions, v)
		}
	}
	proj.Versions = versions
}
