package fakepypi

import (
	"net/http"
	"strings"
)

type jsonFile struct {
	CommentText       string            `json:"comment_text"`
	Digests           map[string]string `json:"digests"`
	Downloads         int               `json:"downloads"`
	Filename          string            `json:"filename"`
	HasSig            bool              `json:"has_sig"`
	MD5Digest         string            `json:"md5_digest"`
	PackageType       string            `json:"packagetype"`
	PythonVersion     string            `json:"python_version"`
	RequiresPython    *string           `json:"requires_python"`
	Size              int               `json:"size"`
	UploadTime        string            `json:"upload_time"`
	UploadTimeISO8601 string            `json:"upload_time_iso_8601"`
	URL               string            `json:"url"`
	Yanked            bool              `json:"yanked"`
	YankedReason      *string           `json:"yanked_reason"`
}

type jsonInfo struct {
	Author         string    `json:"author"`
	Classifiers    []string  `json:"classifiers"`
	Description    string    `json:"description"`
	HomePage       string    `json:"home_page"`
	License        string    `json:"license"`
	Name           string    `json:"name"`
	PackageURL     string    `json:"package_url"`
	ProjectURL     string    `json:"project_url"`
	ProvidesExtra  []string  `json:"provides_extra"`
	ReleaseURL     string    `json:"release_url"`
	RequiresDist   *[]string `json:"requires_dist"`
	RequiresPython *string   `json:"requires_python"`
	Summary        string    `json:"summary"`
	Version        string    `json:"version"`
	Yanked         bool      `json:"yanked"`
	YankedReason   *string   `json:"yanked_reason"`
}

type jsonDoc struct {
	Info            jsonInfo              `json:"info"`
	LastSerial      int64                 `json:"last_serial"`
	Releases        map[string][]jsonFile `json:"releases,omitempty"`
	URLs            []jsonFile            `json:"urls"`
	Vulnerabilities []struct{}            `json:"vulnerabilities"`
}

// serveJSONAPI serves /pypi/<name>/json and /pypi/<name>/<version>/json. As on PyPI, a name that is
// not spelled as the project's display name is redirected (301) to the display spelling.
func (u *Upstream) serveJSONAPI(w http.ResponseWriter, r *http.Request, rest string) {
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[len(parts)-1] != "json" || parts[0] == "" {
		notFound(w)
		return
	}
	name, version := parts[0], ""
	if len(parts) == 3 {
		version = parts[1]
	}
	u.mu.RLock()
	p := u.projects[Normalize(name)]
	if p == nil {
		u.mu.RUnlock()
		notFound(w)
		return
	}
	if name != p.name {
		parts[0] = p.name
		u.mu.RUnlock()
		redirect(w, r, "/pypi/"+strings.Join(parts, "/"))
		return
	}
	rel := p.latest()
	if version != "" {
		rel = p.releases[version]
	}
	if rel == nil {
		u.mu.RUnlock()
		notFound(w)
		return
	}
	doc := u.jsonDocLocked(p, rel, version == "")
	pg := page{
		body:         marshal(doc),
		contentType:  "application/json",
		serial:       p.serial,
		lastModified: SerialTime(p.serial),
		cacheControl: "max-age=900, public",
	}
	u.mu.RUnlock()
	pg.write(w, r)
}

func (u *Upstream) jsonDocLocked(p *project, rel *release, withReleases bool) jsonDoc {
	base := u.BaseURL()
	info := jsonInfo{
		Classifiers:    []string{},
		Description:    rel.summary,
		License:        "MIT",
		Name:           p.name,
		PackageURL:     base + "/project/" + p.name + "/",
		ProjectURL:     base + "/project/" + p.name + "/",
		ProvidesExtra:  append([]string{}, rel.extras...),
		ReleaseURL:     base + "/project/" + p.name + "/" + rel.version + "/",
		Summary:        rel.summary,
		Version:        rel.version,
		Yanked:         rel.yanked,
		RequiresPython: optString(rel.requiresPython),
		YankedReason:   yankedReason(rel),
	}
	if len(rel.requires) > 0 {
		rd := append([]string{}, rel.requires...)
		info.RequiresDist = &rd
	}
	doc := jsonDoc{Info: info, LastSerial: p.serial, URLs: u.jsonFilesLocked(rel), Vulnerabilities: []struct{}{}}
	if withReleases {
		doc.Releases = map[string][]jsonFile{}
		for v, r := range p.releases {
			doc.Releases[v] = u.jsonFilesLocked(r)
		}
	}
	return doc
}

func (u *Upstream) jsonFilesLocked(rel *release) []jsonFile {
	out := []jsonFile{}
	files := append([]*fileEntry(nil), rel.files...)
	sortFilesByName(files)
	for _, f := range files {
		out = append(out, jsonFile{
			Digests:           map[string]string{"blake2b_256": f.blake2b, "md5": f.md5, "sha256": f.sha256},
			Downloads:         -1,
			Filename:          f.filename,
			MD5Digest:         f.md5,
			PackageType:       f.packageType,
			PythonVersion:     f.pyVersion,
			RequiresPython:    optString(rel.requiresPython),
			Size:              len(f.data),
			UploadTime:        f.uploadTime.UTC().Format("2006-01-02T15:04:05"),
			UploadTimeISO8601: uploadTime(f.uploadTime),
			URL:               u.FilesURL() + f.urlPath,
			Yanked:            rel.yanked,
			YankedReason:      yankedReason(rel),
		})
	}
	return out
}

func sortFilesByName(fs []*fileEntry) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].filename < fs[j-1].filename; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func yankedReason(r *release) *string {
	if !r.yanked {
		return nil
	}
	return optString(r.yankedReason)
}
