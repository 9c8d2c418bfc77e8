package fakepypi

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
)

// header is a parsed core-metadata header block (multi-valued).
type header map[string][]string

func (h header) first(k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseMetadata parses the header part of a METADATA / PKG-INFO file.
func parseMetadata(md []byte) header {
	h := header{}
	for _, line := range strings.Split(string(md), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break // the body (description) follows
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation line
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			h[k] = append(h[k], strings.TrimSpace(v))
		}
	}
	return h
}

// coreMetadata renders the METADATA (and PKG-INFO) text for a release.
func coreMetadata(name string, r Release, summary string) []byte {
	var b strings.Builder
	b.WriteString("Metadata-Version: 2.1\n")
	b.WriteString("Name: " + name + "\n")
	b.WriteString("Version: " + r.Version + "\n")
	b.WriteString("Summary: " + summary + "\n")
	if r.RequiresPython != "" {
		b.WriteString("Requires-Python: " + r.RequiresPython + "\n")
	}
	for _, e := range r.Extras {
		b.WriteString("Provides-Extra: " + e + "\n")
	}
	for _, d := range r.Requires {
		b.WriteString("Requires-Dist: " + d + "\n")
	}
	b.WriteString("\n" + summary + "\n")
	return []byte(b.String())
}

// wheelMetadata extracts <dist>-<ver>.dist-info/METADATA from wheel bytes, or nil.
func wheelMetadata(data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	for _, f := range zr.File {
		dir, base, ok := strings.Cut(f.Name, "/")
		if !ok || base != "METADATA" || !strings.HasSuffix(dir, ".dist-info") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil
		}
		md, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil
		}
		return md
	}
	return nil
}

// classifyFile returns the JSON API packagetype and python_version for a filename.
func classifyFile(filename string) (packageType, pyVersion string) {
	if strings.HasSuffix(filename, ".whl") {
		parts := strings.Split(strings.TrimSuffix(filename, ".whl"), "-")
		if len(parts) >= 5 {
			return "bdist_wheel", parts[len(parts)-3]
		}
		return "bdist_wheel", "py3"
	}
	if strings.HasSuffix(filename, ".egg") {
		return "bdist_egg", "py3"
	}
	return "sdist", "source"
}
