package index

import "context"

// admit refuses a project the block and allow lists exclude (Config.Allowed)
// before anything is served or fetched for it: 403 with the reason, never a
// stale copy of a page from before the rule.
func (s *Service) admit(project string) error {
	if s.cfg.Allowed == nil || s.cfg.Allowed(project) {
		return nil
	}
	s.Audit(project, "", "", RuleFilter)
	return &Held{Rule: RuleFilter, Reason: "blocked by policy: the block and allow lists exclude " + project}
}

// removeProjectFiles is a project its index (every index) no longer has,
// seen by the lazy proxy: its files leave the tree and answer 410, as
// files that left a page do.
func (s *Service) removeProjectFiles(ctx context.Context, project string) {
	before := s.origins.files(ctx, project)
	live := false
	for _, o := range before {
		live = live || o.Removed == ""
	}
	if !live {
		return
	}
	defer s.commits.lock(project)()
	kept, gone := withTombstones(&update{project: project, files: map[string]origin{}, before: before, removal: RuleRemoved})
	if err := s.origins.narrow(ctx, project, kept); err != nil {
		return // logged; the files stay until the record can be written
	}
	if err := s.pages.delete(ctx, projectPage{s: s, name: project}); err != nil && !isNotExist(err) {
		s.log.Warn("cannot delete the page of a removed project", "project", project, "err", err)
	}
	for _, key := range gone {
		s.Audit(project, key, before[key].Index, RuleRemoved)
		s.deleteFile(ctx, key)
	}
}
