package fakepypi

import "html"

// statusJSON is the PEP 792 project-status object of a JSON project page.
type statusJSON struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// SetProjectStatus sets the PEP 792 status of a project ("active",
// "archived", "quarantined", "deprecated"; "" removes it) and returns the
// new serial. The fake keeps listing a quarantined project's files, as a
// careless index would: a proxy must stop serving them itself.
func (u *Upstream) SetProjectStatus(name, status, reason string) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.projects[Normalize(name)]
	if !ok {
		return u.serial
	}
	p.status, p.statusReason = status, reason
	return u.recordLocked(p, "", "set project status "+status)
}

// statusMeta is the HTML page's PEP 792 meta tags ("" without a status).
func statusMeta(p *project) string {
	if p.status == "" {
		return ""
	}
	s := "    <meta name=\"pypi:project-status\" content=\"" + html.EscapeString(p.status) + "\">\n"
	if p.statusReason != "" {
		s += "    <meta name=\"pypi:project-status-reason\" content=\"" + html.EscapeString(p.statusReason) + "\">\n"
	}
	return s
}

// pageUploadTime is a file's upload-time on the project page ("" when the
// release was published without one).
func pageUploadTime(f *fileEntry) string {
	if f.noTime {
		return ""
	}
	return uploadTime(f.uploadTime)
}
