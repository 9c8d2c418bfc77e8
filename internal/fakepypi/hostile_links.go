package fakepypi

// hostileLink is what a hostile index's pages claim about a file.
type hostileLink struct {
	url    string // "" keeps the files host's URL
	sha256 string // the advertised hash; "" advertises none
}

// Relink makes the index pages link filename of project name to rawURL
// ("" keeps the real one) with sha256 as its advertised hash ("" for no
// hash at all), as a hostile or broken index would; the files host still
// serves the real bytes at the real path. It returns the new serial, or 0
// when there is no such file.
func (u *Upstream) Relink(name, filename, rawURL, sha256 string) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	f := u.lookupFileLocked(name, filename)
	if f == nil {
		return 0
	}
	f.link = &hostileLink{url: rawURL, sha256: sha256}
	return u.recordLocked(f.project, f.version, "relink file "+filename)
}

// lookupFileLocked finds a file of a project by name.
func (u *Upstream) lookupFileLocked(name, filename string) *fileEntry {
	for _, f := range u.files {
		if f.filename == filename && f.project != nil && f.project == u.projects[Normalize(name)] {
			return f
		}
	}
	return nil
}

// fileLink is the URL the pages give for f.
func (u *Upstream) fileLink(f *fileEntry) string {
	if f.link != nil && f.link.url != "" {
		return f.link.url
	}
	return u.FilesURL() + f.urlPath
}

// advertisedHashes is the hashes the JSON pages give for f.
func (f *fileEntry) advertisedHashes() map[string]string {
	if f.link == nil {
		return map[string]string{"sha256": f.sha256}
	}
	if f.link.sha256 == "" {
		return map[string]string{}
	}
	return map[string]string{"sha256": f.link.sha256}
}

// fragment is the #sha256=... the HTML pages give for f ("" for none).
func (f *fileEntry) fragment() string {
	if h := f.advertisedHashes()["sha256"]; h != "" {
		return "#sha256=" + h
	}
	return ""
}

// FilesHost is the files host's "127.0.0.1:PORT", for a proxy's trusted
// file hosts (the index host is trusted by default; this one is not).
func (u *Upstream) FilesHost() string { return u.filesLn.Addr().String() }
