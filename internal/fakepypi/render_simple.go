package fakepypi

import (
	"bytes"
	"encoding/json"
	"html"
	"slices"
	"strconv"
	"time"
)

// APIVersion is the simple API version the fake announces.
const APIVersion = "1.3"

type simpleMeta struct {
	APIVersion string `json:"api-version"`
	LastSerial int64  `json:"_last-serial"`
}

type simpleRootProject struct {
	Name       string `json:"name"`
	LastSerial int64  `json:"_last-serial"`
}

type simpleRoot struct {
	Meta     simpleMeta          `json:"meta"`
	Projects []simpleRootProject `json:"projects"`
}

type simpleFile struct {
	Filename             string            `json:"filename"`
	URL                  string            `json:"url"`
	Hashes               map[string]string `json:"hashes"`
	RequiresPython       *string           `json:"requires-python"`
	Size                 int               `json:"size"`
	UploadTime           string            `json:"upload-time,omitempty"`
	Yanked               any               `json:"yanked"`
	DataDistInfoMetadata any               `json:"data-dist-info-metadata"`
	CoreMetadata         any               `json:"core-metadata"`
	Provenance           *string           `json:"provenance"`
}

type simpleDetail struct {
	Meta               simpleMeta   `json:"meta"`
	Name               string       `json:"name"`
	Versions           []string     `json:"versions"`
	AlternateLocations []string     `json:"alternate-locations"`
	Files              []simpleFile `json:"files"`
	ProjectStatus      *statusJSON  `json:"project-status,omitempty"`
}

// marshal encodes v as JSON without HTML escaping (">=3.8" stays readable, as Python emits it).
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// uploadTime formats t as PyPI does: ISO 8601 UTC with microseconds and "Z".
func uploadTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// sortedProjectsLocked lists projects ordered by normalized name.
func (u *Upstream) sortedProjectsLocked() []*project {
	ps := make([]*project, 0, len(u.projects))
	for _, p := range u.projects {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *project) int { return cmpString(a.norm, b.norm) })
	return ps
}

func (u *Upstream) renderRootLocked(asJSON bool) []byte {
	ps := u.sortedProjectsLocked()
	if asJSON {
		doc := simpleRoot{Meta: simpleMeta{APIVersion, u.serial}, Projects: make([]simpleRootProject, len(ps))}
		for i, p := range ps {
			doc.Projects[i] = simpleRootProject{p.name, p.serial}
		}
		return marshal(doc)
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" +
		APIVersion + "\">\n    <title>Simple index</title>\n  </head>\n  <body>\n")
	for _, p := range ps {
		b.WriteString("    <a href=\"/simple/" + p.norm + "/\">" + html.EscapeString(p.name) + "</a>\n")
	}
	b.WriteString("  </body>\n</html>")
	return b.Bytes()
}

func (u *Upstream) renderDetailJSONLocked(p *project) []byte {
	doc := simpleDetail{
		Meta:               simpleMeta{APIVersion, p.serial},
		Name:               p.norm,
		Versions:           p.fileVersions(),
		AlternateLocations: []string{},
		Files:              []simpleFile{},
	}
	if doc.Versions == nil {
		doc.Versions = []string{}
	}
	if p.status != "" {
		doc.ProjectStatus = &statusJSON{Status: p.status, Reason: p.statusReason}
	}
	for _, f := range p.sortedFiles() {
		rel := p.releases[f.version]
		sf := simpleFile{
			Filename:             f.filename,
			URL:                  u.fileLink(f),
			Hashes:               f.advertisedHashes(),
			Size:                 len(f.data),
			UploadTime:           pageUploadTime(f),
			Yanked:               false,
			DataDistInfoMetadata: false,
			CoreMetadata:         false,
		}
		if rel.requiresPython != "" {
			rp := rel.requiresPython
			sf.RequiresPython = &rp
		}
		if rel.yanked {
			sf.Yanked = true
			if rel.yankedReason != "" {
				sf.Yanked = rel.yankedReason
			}
		}
		if f.metadata != nil {
			var m any = map[string]string{"sha256": f.metaSHA256}
			if f.metaNoHash {
				m = true
			}
			sf.DataDistInfoMetadata, sf.CoreMetadata = m, m
		}
		doc.Files = append(doc.Files, sf)
	}
	return marshal(doc)
}

func (u *Upstream) renderDetailHTMLLocked(p *project) []byte {
	var b bytes.Buffer
	title := "Links for " + html.EscapeString(p.norm)
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" +
		APIVersion + "\">\n" + statusMeta(p) + "    <title>" + title + "</title>\n  </head>\n  <body>\n    <h1>" + title + "</h1>\n")
	for _, f := range p.sortedFiles() {
		rel := p.releases[f.version]
		b.WriteString("    <a href=\"" + html.EscapeString(u.fileLink(f)+f.fragment()) + "\"")
		if rel.requiresPython != "" {
			b.WriteString(" data-requires-python=\"" + html.EscapeString(rel.requiresPython) + "\"")
		}
		if rel.yanked {
			b.WriteString(" data-yanked=\"" + html.EscapeString(rel.yankedReason) + "\"")
		}
		if f.metadata != nil {
			v := "sha256=" + f.metaSHA256
			if f.metaNoHash {
				v = "true"
			}
			b.WriteString(" data-dist-info-metadata=\"" + v + "\" data-core-metadata=\"" + v + "\"")
		}
		b.WriteString(">" + html.EscapeString(f.filename) + "</a><br />\n")
	}
	b.WriteString("  </body>\n</html>\n<!--SERIAL " + strconv.FormatInt(p.serial, 10) + "-->")
	return b.Bytes()
}
