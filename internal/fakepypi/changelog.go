package fakepypi

import (
	"sort"
	"time"
)

// ChangelogEntry is one row of PyPI's journal, as changelog_since_serial returns it.
type ChangelogEntry struct {
	// Name is the project's display name.
	Name string
	// Version is the release version; "" (XML-RPC nil) for "create", "remove project" and owner changes.
	Version string
	// Time is when the change happened (SerialTime of Serial).
	Time time.Time
	// Action is PyPI's action string, e.g. "new release" or "add py3 file x-1.0-py3-none-any.whl".
	Action string
	// Serial is the row's id; every row has its own, increasing by one.
	Serial int64
}

// recordLocked appends a journal row for p, bumps the global serial and p's last serial,
// and returns the new serial.
func (u *Upstream) recordLocked(p *project, version, action string) int64 {
	u.serial++
	u.changelog = append(u.changelog, ChangelogEntry{
		Name: p.name, Version: version, Time: SerialTime(u.serial), Action: action, Serial: u.serial,
	})
	p.serial = u.serial
	return u.serial
}

// Changelog returns up to limit rows with serial greater than since, in serial order
// (limit <= 0 means no limit).
func (u *Upstream) Changelog(since int64, limit int) []ChangelogEntry {
	u.mu.RLock()
	defer u.mu.RUnlock()
	i := sort.Search(len(u.changelog), func(i int) bool { return u.changelog[i].Serial > since })
	rows := u.changelog[i:]
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	return append([]ChangelogEntry(nil), rows...)
}

// ProjectSerials returns every existing project's display name mapped to its last serial,
// as list_packages_with_serial does.
func (u *Upstream) ProjectSerials() map[string]int64 {
	u.mu.RLock()
	defer u.mu.RUnlock()
	out := make(map[string]int64, len(u.projects))
	for _, p := range u.projects {
		out[p.name] = p.serial
	}
	return out
}
