package simple

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// anchor attribute presence bits.
const (
	hasHref = 1 << iota
	hasRequiresPython
	hasYanked
	hasCoreMetadata
	hasDistInfoMetadata
	hasGPGSig
	hasProvenance
	hasSize
	hasUploadTime
)

// rawAnchor is an <a> element as read, before URL resolution.
type rawAnchor struct {
	set                            int
	href, requiresPython, yanked   string
	coreMetadata, distInfoMetadata string
	gpgSig, provenance             string
	size, uploadTime               string
	text                           []byte // the root index's project name
}

// rawPage is what the tokenizer pass collects from a page.
type rawPage struct {
	anchors  []rawAnchor
	baseHref string
	hasBase  bool
	meta     Meta
}

// ParseProjectHTML parses a PEP 503 project page (text/html or
// application/vnd.pypi.simple.v1+html). name, the normalized project name, is
// set on the Project.
//
// Every <a> with an href is a file. The href is resolved against the first
// <base href> of the page, itself resolved against base (the page URL; nil
// keeps hrefs as written). A "#<hashname>=<hex>" fragment becomes the file's
// hash when pip would check it (see parseLinkHash) and is removed from File.URL.
// The filename is the percent-decoded last segment of the URL's path, never the
// anchor text: pip, uv and pypi-simple all do so, and the text of real pages
// is often something else (another version, "#egg=" text, a path with "/").
// data-requires-python, data-yanked (present means yanked; the value is the
// reason, "" for none), data-core-metadata (falling back to
// data-dist-info-metadata, PEP 714; "true" or "<hashname>=<hex>", "false"
// meaning absent), data-gpg-sig, data-provenance and the non-standard
// data-size and data-upload-time (which uv reads) are read. The <meta> tags
// pypi:repository-version, pypi:project-status, pypi:project-status-reason
// (PEP 792), pypi:tracks and pypi:alternate-locations (PEP 708, one tag per
// URL) fill Meta; PyPI's and bandersnatch's <!--SERIAL n--> comment is
// LastSerial (-1 without it). Size is -1 without data-size; Versions is nil.
func ParseProjectHTML(data []byte, base *url.URL, name string) (*Project, error) {
	raw, err := scanHTML(data)
	if err != nil {
		return nil, fmt.Errorf("simple: project HTML: %w", err)
	}
	docBase := raw.documentBase(base)
	p := &Project{Name: name, Files: make([]File, 0, len(raw.anchors)), Meta: raw.meta}
	for i := range raw.anchors {
		a := &raw.anchors[i]
		href := trimHTMLSpace(a.href) // as browsers do
		if a.set&hasHref == 0 || href == "" {
			continue
		}
		u, err := resolve(docBase, href)
		if err != nil {
			continue // an unusable link is not a file
		}
		p.Files = append(p.Files, a.file(u, href))
	}
	return p, nil
}

// file converts the anchor, whose href (as written) resolved to u, into a File.
func (a *rawAnchor) file(u *url.URL, href string) File {
	f := File{
		Filename:       lastSegment(u),
		URL:            stripFragment(u),
		Hashes:         map[string]string{},
		RequiresPython: a.requiresPython,
		Yanked:         a.set&hasYanked != 0,
		YankedReason:   a.yanked,
		Size:           parseSize(a.size, a.set&hasSize != 0),
		UploadTime:     a.uploadTime,
		Provenance:     a.provenance,
	}
	parseLinkHash(href, f.Hashes)
	switch {
	case a.set&hasCoreMetadata != 0:
		f.CoreMetadata = parseCoreMetadataAttr(a.coreMetadata)
	case a.set&hasDistInfoMetadata != 0:
		f.CoreMetadata = parseCoreMetadataAttr(a.distInfoMetadata)
	}
	if a.set&hasGPGSig != 0 {
		switch strings.ToLower(a.gpgSig) {
		case "true":
			f.GPGSig = new(true)
		case "false":
			f.GPGSig = new(false)
		}
	}
	return f
}

// parseCoreMetadataAttr reads a data-core-metadata value. PEP 658 makes the
// attribute's presence mean "available"; "false" is taken to mean absent, as in
// JSON.
func parseCoreMetadataAttr(v string) CoreMetadata {
	if strings.EqualFold(v, "false") {
		return CoreMetadata{}
	}
	cm := CoreMetadata{Available: true, Hashes: map[string]string{}}
	parseMetadataHash(v, cm.Hashes)
	return cm
}

// parseSize reads a data-size value: a decimal byte count, else unknown (-1).
func parseSize(v string, present bool) int64 {
	v = trimHTMLSpace(v)
	if !present || !isDigits(v) || len(v) > 18 {
		return -1
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// ParseRootHTML parses a PEP 503 root index: the trimmed text of each <a> is a
// project name (the last path segment of its href when the text is empty).
// The page's LastSerial is its <!--SERIAL n--> comment (-1 without); the
// projects' are -1.
func ParseRootHTML(data []byte, base *url.URL) (*RootIndex, error) {
	raw, err := scanHTML(data)
	if err != nil {
		return nil, fmt.Errorf("simple: root HTML: %w", err)
	}
	docBase := raw.documentBase(base)
	r := &RootIndex{Projects: make([]RootProject, 0, len(raw.anchors)), Meta: raw.meta}
	for i := range raw.anchors {
		a := &raw.anchors[i]
		name := trimHTMLSpace(string(a.text))
		if name == "" && a.set&hasHref != 0 {
			if u, err := resolve(docBase, trimHTMLSpace(a.href)); err == nil {
				name = trimHTMLSpace(path.Base(strings.TrimSuffix(u.Path, "/")))
				if name == "." || name == "/" {
					name = ""
				}
			}
		}
		if name != "" {
			r.Projects = append(r.Projects, RootProject{Name: name, LastSerial: -1})
		}
	}
	return r, nil
}

// documentBase is the URL hrefs resolve against: the page's <base href>
// resolved against the page URL, or the page URL.
func (raw *rawPage) documentBase(page *url.URL) *url.URL {
	if !raw.hasBase {
		return page
	}
	u, err := resolve(page, raw.baseHref)
	if err != nil {
		return page
	}
	return u
}

// scanHTML runs the tokenizer over data once, collecting anchors, the first
// <base href> and the pypi: <meta> tags.
func scanHTML(data []byte) (*rawPage, error) {
	z := html.NewTokenizer(bytes.NewReader(data))
	raw := &rawPage{meta: Meta{LastSerial: -1}}
	var cur *rawAnchor // the open <a>, if any
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return nil, err
			}
			return raw, nil
		case html.TextToken:
			if cur != nil {
				cur.text = append(cur.text, z.Text()...)
			}
		case html.CommentToken:
			if n, ok := parseSerialComment(z.Text()); ok && raw.meta.LastSerial < 0 {
				raw.meta.LastSerial = n
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "a" {
				cur = nil
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "a":
				raw.anchors = append(raw.anchors, rawAnchor{})
				cur = &raw.anchors[len(raw.anchors)-1]
				readAnchorAttrs(z, cur, hasAttr)
				if tt == html.SelfClosingTagToken {
					cur = nil
				}
			case "base":
				if !raw.hasBase && hasAttr {
					raw.baseHref, raw.hasBase = attr(z, "href")
				}
			case "meta":
				if hasAttr {
					if err := raw.readMeta(z); err != nil {
						return nil, err
					}
				}
			}
		}
	}
}

// readAnchorAttrs stores the attributes of an <a> tag; the first of duplicate
// attributes wins, as in an HTML parser.
func readAnchorAttrs(z *html.Tokenizer, a *rawAnchor, more bool) {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		var bit int
		var dst *string
		switch string(k) {
		case "href":
			bit, dst = hasHref, &a.href
		case "data-requires-python":
			bit, dst = hasRequiresPython, &a.requiresPython
		case "data-yanked":
			bit, dst = hasYanked, &a.yanked
		case "data-core-metadata":
			bit, dst = hasCoreMetadata, &a.coreMetadata
		case "data-dist-info-metadata":
			bit, dst = hasDistInfoMetadata, &a.distInfoMetadata
		case "data-gpg-sig":
			bit, dst = hasGPGSig, &a.gpgSig
		case "data-provenance":
			bit, dst = hasProvenance, &a.provenance
		case "data-size":
			bit, dst = hasSize, &a.size
		case "data-upload-time":
			bit, dst = hasUploadTime, &a.uploadTime
		default:
			continue
		}
		if a.set&bit == 0 {
			a.set |= bit
			*dst = string(v)
		}
	}
}

// attr returns the first value of attribute key of the current tag.
func attr(z *html.Tokenizer, key string) (string, bool) {
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == key {
			return string(v), true
		}
	}
	return "", false
}

// readMeta reads a <meta name=... content=...> tag into raw.meta.
func (raw *rawPage) readMeta(z *html.Tokenizer) error {
	var name, content string
	var hasName, hasContent bool
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch {
		case string(k) == "name" && !hasName:
			name, hasName = string(v), true
		case string(k) == "content" && !hasContent:
			content, hasContent = string(v), true
		}
	}
	if !hasContent {
		return nil
	}
	m := &raw.meta
	switch strings.ToLower(name) {
	case "pypi:repository-version":
		if err := checkAPIVersion(content); err != nil {
			return err
		}
		m.APIVersion = content
	case "pypi:project-status":
		m.ProjectStatus = content
	case "pypi:project-status-reason":
		m.ProjectStatusReason = content
	case "pypi:tracks":
		m.Tracks = append(m.Tracks, content)
	case "pypi:alternate-locations":
		m.AlternateLocations = append(m.AlternateLocations, content)
	}
	return nil
}

// parseSerialComment reads the text of PyPI's and bandersnatch's
// "<!--SERIAL 123-->" comment.
func parseSerialComment(text []byte) (int64, bool) {
	rest, ok := strings.CutPrefix(trimHTMLSpace(string(text)), "SERIAL ")
	rest = trimHTMLSpace(rest)
	if !ok || !isDigits(rest) || len(rest) > 18 {
		return 0, false
	}
	n, _ := strconv.ParseInt(rest, 10, 64)
	return n, true
}

// trimHTMLSpace trims ASCII whitespace as HTML defines it.
func trimHTMLSpace(s string) string {
	return strings.Trim(s, " \t\n\f\r")
}
