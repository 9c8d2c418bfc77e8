package index

import (
	"context"
	"path"
	"strings"
)

// Gone is a file its index no longer lists (deleted upstream, or its
// project quarantined): the HTTP layer answers 410 with Reason.
type Gone struct {
	Rule, Reason string
}

func (g *Gone) Error() string { return g.Reason }

// PolicyActive reports whether downloads of stored files must be checked
// (CheckFile): a cooldown or cut-off is configured.
func (s *Service) PolicyActive() bool { return s.cfg.Policy.timed() || s.cfg.Allowed != nil }

// CheckFile says whether a file or .metadata key may be served now: nil,
// a *Gone or a *Held. A key no page listed is left to the download path.
func (s *Service) CheckFile(ctx context.Context, key string) error {
	o, ok := s.origins.lookup(ctx, strings.TrimSuffix(key, ".metadata"))
	if !ok {
		return nil
	}
	return s.allowed(o, key)
}

// allowed applies the tombstone and the policy to a file's origin.
func (s *Service) allowed(o origin, key string) error {
	if o.Removed != "" {
		reason := "gone: the index no longer lists this file"
		if o.Removed == RuleQuarantine {
			reason = "gone: the project is quarantined (PEP 792)"
		}
		return &Gone{Rule: o.Removed, Reason: reason}
	}
	if err := s.admit(o.Project); err != nil {
		return err
	}
	if h := s.cfg.Policy.hold(o.Project, o.UploadTime); h != nil {
		s.Audit(o.Project, path.Base(key), o.Index, h.Rule)
		return h
	}
	return nil
}
