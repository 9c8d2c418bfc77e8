package fakepypi

import "slices"

// Yank marks a release yanked (PEP 592) with an optional reason and returns the new serial,
// or 0 when the project or version does not exist.
func (u *Upstream) Yank(name, version, reason string) int64 {
	return u.setYanked(name, version, true, reason, "yank release")
}

// Unyank clears a release's yanked state and returns the new serial, or 0 when not found.
func (u *Upstream) Unyank(name, version string) int64 {
	return u.setYanked(name, version, false, "", "unyank release")
}

func (u *Upstream) setYanked(name, version string, yanked bool, reason, action string) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, r := u.findLocked(name, version)
	if r == nil {
		return 0
	}
	r.yanked, r.yankedReason = yanked, reason
	return u.recordLocked(p, version, action)
}

// RemoveRelease deletes a release and its files ("remove release") and returns the new serial,
// or 0 when not found. Its files then answer 404 on the files host.
func (u *Upstream) RemoveRelease(name, version string) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, r := u.findLocked(name, version)
	if r == nil {
		return 0
	}
	for _, f := range r.files {
		delete(u.files, f.urlPath)
	}
	delete(p.releases, version)
	return u.recordLocked(p, version, "remove release")
}

// RemoveFile deletes one file ("remove file FILENAME") and returns the new serial, or 0 when not
// found. The release stays, possibly with no files.
func (u *Upstream) RemoveFile(name, filename string) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.projects[Normalize(name)]
	if p == nil {
		return 0
	}
	for _, r := range p.releases {
		for i, f := range r.files {
			if f.filename == filename {
				r.files = slices.Delete(r.files, i, i+1)
				delete(u.files, f.urlPath)
				return u.recordLocked(p, r.version, "remove file "+filename)
			}
		}
	}
	return 0
}

// RemoveProject deletes a project with all its files ("remove project") and returns the new
// serial, or 0 when not found.
func (u *Upstream) RemoveProject(name string) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.projects[Normalize(name)]
	if p == nil {
		return 0
	}
	for _, r := range p.releases {
		for _, f := range r.files {
			delete(u.files, f.urlPath)
		}
	}
	delete(u.projects, p.norm)
	return u.recordLocked(p, "", "remove project")
}

func (u *Upstream) findLocked(name, version string) (*project, *release) {
	p := u.projects[Normalize(name)]
	if p == nil {
		return nil, nil
	}
	return p, p.releases[version]
}

// Serial returns the current global serial (the id of the last changelog row).
func (u *Upstream) Serial() int64 {
	u.mu.RLock()
	defer u.mu.RUnlock()
	return u.serial
}

// ProjectSerial returns a project's last serial, or 0 when it does not exist.
func (u *Upstream) ProjectSerial(name string) int64 {
	u.mu.RLock()
	defer u.mu.RUnlock()
	if p := u.projects[Normalize(name)]; p != nil {
		return p.serial
	}
	return 0
}

// File returns (a copy of) the exact bytes of a project's file and its path on the files host
// ("/packages/aa/bb/.../filename").
func (u *Upstream) File(name, filename string) (data []byte, urlPath string, ok bool) {
	f := u.lookupFile(name, filename)
	if f == nil {
		return nil, "", false
	}
	return append([]byte(nil), f.data...), f.urlPath, true
}

// FileURL returns the absolute URL of a project's file on the files host, or "" when not found.
func (u *Upstream) FileURL(name, filename string) string {
	if f := u.lookupFile(name, filename); f != nil {
		return u.FilesURL() + f.urlPath
	}
	return ""
}

// Metadata returns the PEP 658 metadata served for a file, if it is advertised.
func (u *Upstream) Metadata(name, filename string) ([]byte, bool) {
	f := u.lookupFile(name, filename)
	if f == nil || f.metadata == nil {
		return nil, false
	}
	return f.metadata, true
}

func (u *Upstream) lookupFile(name, filename string) *fileEntry {
	u.mu.RLock()
	defer u.mu.RUnlock()
	p := u.projects[Normalize(name)]
	if p == nil {
		return nil
	}
	for _, r := range p.releases {
		for _, f := range r.files {
			if f.filename == filename {
				return f
			}
		}
	}
	return nil
}

// HideMetadata stops advertising and serving a file's PEP 658 metadata (as
// an index without PEP 658 support would) and returns the new serial, or 0
// when not found. PyPI has no such action; the changelog row says
// "hide metadata FILENAME".
func (u *Upstream) HideMetadata(name, filename string) int64 {
	f := u.lookupFile(name, filename)
	if f == nil {
		return 0
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	f.metadata, f.metaSHA256, f.metaNoHash = nil, "", false
	return u.recordLocked(f.project, f.version, "hide metadata "+filename)
}
