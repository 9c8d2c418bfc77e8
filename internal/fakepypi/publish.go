package fakepypi

import "time"

// Publish adds a release of the project name (a display name such as "Foo_Bar"; the project is
// created on first use) with generated files, records the changelog rows PyPI would
// ("create", "add Owner ...", "new release", "add py3 file ...", "add source file ...")
// and returns the new global serial. Publishing a version that exists adds only files not yet
// present and leaves its metadata alone.
func (u *Upstream) Publish(name string, r Release) int64 {
	built := buildDists(name, r)
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.ensureProjectLocked(name)
	rel := u.ensureReleaseLocked(p, r.Version, func() *release {
		return &release{
			version:        r.Version,
			requiresPython: r.RequiresPython,
			requires:       append([]string(nil), r.Requires...),
			extras:         append([]string(nil), r.Extras...),
			summary:        summaryFor(name, r),
		}
	})
	for _, f := range built {
		f.noTime = r.NoUploadTime
		u.addFileLocked(p, rel, f, r.UploadTime)
	}
	return u.serial
}

// AddFile publishes an arbitrary file (for example a real wheel from /usr/share/python-wheels)
// as part of name's version, creating project and release as needed, and returns the new serial.
// For a wheel, its .dist-info/METADATA is served as PEP 658 metadata and, when the release is new,
// supplies Requires-Python, Requires-Dist and Provides-Extra. A filename already present is ignored.
func (u *Upstream) AddFile(name, version, filename string, data []byte) int64 {
	f := newFileEntry(version, filename, append([]byte(nil), data...))
	var md []byte
	if f.packageType == "bdist_wheel" {
		md = wheelMetadata(data)
		f.setMetadata(md)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.ensureProjectLocked(name)
	rel := u.ensureReleaseLocked(p, version, func() *release {
		r := &release{version: version}
		if md != nil {
			h := parseMetadata(md)
			r.requiresPython = h.first("Requires-Python")
			r.requires = h["Requires-Dist"]
			r.extras = h["Provides-Extra"]
			r.summary = h.first("Summary")
		}
		return r
	})
	u.addFileLocked(p, rel, f, time.Time{})
	return u.serial
}

// ensureProjectLocked returns the project, creating it (with "create" and owner rows) if needed.
func (u *Upstream) ensureProjectLocked(name string) *project {
	norm := Normalize(name)
	if p, ok := u.projects[norm]; ok {
		return p
	}
	p := &project{name: name, norm: norm, releases: map[string]*release{}}
	u.projects[norm] = p
	u.recordLocked(p, "", "create")
	u.recordLocked(p, "", "add Owner alice") // noise a mirror must ignore, as on PyPI
	return p
}

// ensureReleaseLocked returns the release, creating it with mk and a "new release" row if needed.
func (u *Upstream) ensureReleaseLocked(p *project, version string, mk func() *release) *release {
	if r, ok := p.releases[version]; ok {
		return r
	}
	r := mk()
	p.releases[version] = r
	u.recordLocked(p, version, "new release")
	return r
}

// addFileLocked stores f in rel unless a file of that name exists, recording the add row.
func (u *Upstream) addFileLocked(p *project, rel *release, f *fileEntry, uploaded time.Time) {
	for _, g := range rel.files {
		if g.filename == f.filename {
			return
		}
	}
	action := "add " + f.pyVersion + " file " + f.filename
	serial := u.recordLocked(p, rel.version, action)
	f.project = p
	f.uploadTime = uploaded.UTC()
	if uploaded.IsZero() {
		f.uploadTime = SerialTime(serial)
	}
	rel.files = append(rel.files, f)
	u.files[f.urlPath] = f
}

// summaryFor returns r.Summary or a generated one.
func summaryFor(name string, r Release) string {
	if r.Summary != "" {
		return r.Summary
	}
	return "Fake project " + name + " " + r.Version + " for hermetic tests"
}
