package fidelity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// The reference reader: what a page says, read independently of
// proxy/simple (a DOM walk instead of its tokenizer, generic JSON instead of
// its structs), with the clients' rules written out where they matter.

// refFile is one file as a client reads it.
type refFile struct {
	Filename       string // last URL path segment, percent-decoded (pip, uv, pypi-simple)
	URL            string // absolute, without fragment
	Hashes         map[string]string
	RequiresPython string
	Yanked         bool
	YankedReason   string
	Metadata       bool
	MetadataHashes map[string]string
	Size           int64 // -1: none
	UploadTime     string
}

// refPage is one project page.
type refPage struct {
	APIVersion         string
	Serial             int64 // -1: none
	Versions           []string
	Status, Reason     string
	Tracks, Alternates []string
	Files              []refFile
}

// pipHashRe is pip's LinkHash._hash_url_fragment_re.
var pipHashRe = regexp.MustCompile(`[#&](sha512|sha384|sha256|sha224|sha1|md5)=([^&]*)`)

var hexRe = regexp.MustCompile(`^[0-9a-fA-F]+$`)

var pipHashes = map[string]bool{"sha512": true, "sha384": true, "sha256": true, "sha224": true, "sha1": true, "md5": true}

func resolveRef(base *url.URL, ref string) (*url.URL, error) {
	u, err := base.Parse(ref)
	if err != nil {
		return nil, err
	}
	return u, nil
}

func withoutFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

func lastSegment(u *url.URL) string {
	if u.Path == "" || strings.HasSuffix(u.Path, "/") {
		return ""
	}
	return path.Base(u.Path)
}

// readHTML reads a PEP 503 page: every <a href> is a file.
func readHTML(data []byte, pageURL *url.URL) (*refPage, error) {
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	p := &refPage{Serial: -1}
	base := pageURL
	baseSeen := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.CommentNode && p.Serial < 0 {
			if s, ok := strings.CutPrefix(strings.TrimSpace(n.Data), "SERIAL "); ok {
				if v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && v >= 0 {
					p.Serial = v
				}
			}
		}
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			has := map[string]bool{}
			for _, a := range n.Attr {
				if !has[a.Key] {
					attrs[a.Key], has[a.Key] = a.Val, true
				}
			}
			switch n.Data {
			case "base":
				if has["href"] && !baseSeen {
					baseSeen = true
					if u, err := resolveRef(pageURL, strings.TrimSpace(attrs["href"])); err == nil {
						base = u
					}
				}
			case "meta":
				content := attrs["content"]
				switch strings.ToLower(attrs["name"]) {
				case "pypi:repository-version":
					p.APIVersion = content
				case "pypi:project-status":
					p.Status = content
				case "pypi:project-status-reason":
					p.Reason = content
				case "pypi:tracks":
					p.Tracks = append(p.Tracks, content)
				case "pypi:alternate-locations":
					p.Alternates = append(p.Alternates, content)
				}
			case "a":
				href := strings.Trim(attrs["href"], " \t\n\f\r")
				if href != "" {
					if f, ok := htmlFile(base, href, attrs, has); ok {
						p.Files = append(p.Files, f)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return p, nil
}

func htmlFile(base *url.URL, href string, attrs map[string]string, has map[string]bool) (refFile, bool) {
	u, err := resolveRef(base, href)
	if err != nil {
		return refFile{}, false
	}
	f := refFile{
		Filename: lastSegment(u), URL: withoutFragment(u), Hashes: map[string]string{},
		RequiresPython: attrs["data-requires-python"], Yanked: has["data-yanked"], YankedReason: attrs["data-yanked"],
		Size: -1, UploadTime: attrs["data-upload-time"],
	}
	if m := pipHashRe.FindStringSubmatch(href); m != nil && hexRe.MatchString(m[2]) {
		f.Hashes[m[1]] = m[2]
	}
	md, ok := attrs["data-core-metadata"], has["data-core-metadata"]
	if !ok {
		md, ok = attrs["data-dist-info-metadata"], has["data-dist-info-metadata"]
	}
	if ok && md != "false" {
		f.Metadata, f.MetadataHashes = true, map[string]string{}
		if name, v, cut := strings.Cut(md, "="); cut && pipHashes[name] && hexRe.MatchString(v) {
			f.MetadataHashes[name] = v
		}
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(attrs["data-size"]), 10, 64); err == nil && s >= 0 {
		f.Size = s
	}
	return f, true
}

// readJSON reads a PEP 691 project page.
func readJSON(data []byte, pageURL *url.URL) (*refPage, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	p := &refPage{Serial: -1}
	meta, _ := doc["meta"].(map[string]any)
	p.APIVersion, _ = meta["api-version"].(string)
	switch s := meta["_last-serial"].(type) {
	case float64:
		p.Serial = int64(s)
	case string: // bandersnatch
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			p.Serial = v
		}
	}
	p.Tracks = strings1(meta["tracks"])
	p.Alternates = strings1(doc["alternate-locations"])
	if vs, ok := doc["versions"].([]any); ok {
		p.Versions = []string{}
		for _, v := range vs {
			s, _ := v.(string)
			p.Versions = append(p.Versions, s)
		}
	}
	st, _ := doc["project-status"].(map[string]any)
	if st == nil {
		st, _ = meta["project-status"].(map[string]any)
	}
	p.Status, _ = st["status"].(string)
	p.Reason, _ = st["reason"].(string)
	files, _ := doc["files"].([]any)
	for i, x := range files {
		fm, _ := x.(map[string]any)
		f, err := jsonFile(pageURL, fm)
		if err != nil {
			return nil, fmt.Errorf("file %d: %w", i, err)
		}
		p.Files = append(p.Files, f)
	}
	return p, nil
}

func strings1(v any) []string {
	xs, ok := v.([]any)
	if !ok {
		return nil
	}
	out := []string{}
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func jsonFile(base *url.URL, fm map[string]any) (refFile, error) {
	raw, _ := fm["url"].(string)
	u, err := resolveRef(base, raw)
	if err != nil {
		return refFile{}, err
	}
	f := refFile{URL: withoutFragment(u), Hashes: map[string]string{}, Size: -1}
	f.Filename, _ = fm["filename"].(string)
	if hs, ok := fm["hashes"].(map[string]any); ok {
		for k, v := range hs {
			if s, ok := v.(string); ok && hexRe.MatchString(s) {
				f.Hashes[strings.ToLower(k)] = s
			}
		}
	}
	f.RequiresPython, _ = fm["requires-python"].(string)
	switch y := fm["yanked"].(type) {
	case bool:
		f.Yanked = y
	case string: // pip: a string is yanked when non-empty
		f.Yanked, f.YankedReason = y != "", y
	}
	md, ok := fm["core-metadata"]
	if !ok {
		md, ok = fm["dist-info-metadata"]
	}
	if !ok {
		md = fm["data-dist-info-metadata"]
	}
	switch m := md.(type) {
	case bool:
		f.Metadata = m
		if m {
			f.MetadataHashes = map[string]string{}
		}
	case map[string]any:
		f.Metadata, f.MetadataHashes = true, map[string]string{}
		for k, v := range m {
			if s, ok := v.(string); ok && hexRe.MatchString(s) {
				f.MetadataHashes[strings.ToLower(k)] = s
			}
		}
	}
	if s, ok := fm["size"].(float64); ok {
		f.Size = int64(s)
	}
	f.UploadTime, _ = fm["upload-time"].(string)
	return f, nil
}
