package simple

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// jsonStatus is the PEP 792 "project-status" object.
type jsonStatus struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

type jsonMetaIn struct {
	APIVersion    string      `json:"api-version"`
	LastSerial    jsonSerial  `json:"_last-serial"`
	Tracks        []string    `json:"tracks"`
	ProjectStatus *jsonStatus `json:"project-status"` // not PEP 792's place; read as a fallback
}

type jsonProjectIn struct {
	Meta               jsonMetaIn   `json:"meta"`
	Name               string       `json:"name"`
	Files              []jsonFileIn `json:"files"`
	Versions           []string     `json:"versions"`
	ProjectStatus      *jsonStatus  `json:"project-status"`
	AlternateLocations []string     `json:"alternate-locations"`
}

type jsonFileIn struct {
	Filename             string            `json:"filename"`
	URL                  string            `json:"url"`
	Hashes               map[string]string `json:"hashes"`
	RequiresPython       *string           `json:"requires-python"`
	Yanked               json.RawMessage   `json:"yanked"`
	CoreMetadata         json.RawMessage   `json:"core-metadata"`
	DistInfoMetadata     json.RawMessage   `json:"dist-info-metadata"`
	DataDistInfoMetadata json.RawMessage   `json:"data-dist-info-metadata"`
	GPGSig               *bool             `json:"gpg-sig"`
	Size                 *int64            `json:"size"`
	UploadTime           *string           `json:"upload-time"`
	Provenance           *string           `json:"provenance"`
}

// ParseProjectJSON parses a PEP 691 project page (application/vnd.pypi.simple.v1+json).
//
// File URLs are resolved against base, the URL the page was fetched from (nil
// keeps them as written), and kept without fragment. Hash names are
// lower-cased; hash entries that are not hex digests are dropped. "yanked" is
// read as Python truthiness (false, null and "" mean not yanked; a string is
// the reason). "core-metadata" falls back to the legacy "dist-info-metadata"
// and "data-dist-info-metadata" keys (PEP 714). A missing size or _last-serial
// is -1; _last-serial may be a number or, as bandersnatch writes it, a string. The PEP 792 "project-status" object and the PEP 708 "meta.tracks" and
// "alternate-locations" lists are kept. Unknown keys are ignored; a major
// api-version other than 1 is an error wrapping ErrUnsupportedAPIVersion.
func ParseProjectJSON(data []byte, base *url.URL) (*Project, error) {
	var in jsonProjectIn
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("simple: project JSON: %w", err)
	}
	if err := checkAPIVersion(in.Meta.APIVersion); err != nil {
		return nil, fmt.Errorf("simple: project JSON: %w", err)
	}
	p := &Project{
		Name:     in.Name,
		Files:    make([]File, 0, len(in.Files)),
		Versions: in.Versions,
		Meta: Meta{
			APIVersion:         in.Meta.APIVersion,
			LastSerial:         in.Meta.LastSerial.value(),
			Tracks:             in.Meta.Tracks,
			AlternateLocations: in.AlternateLocations,
		},
	}
	status := in.ProjectStatus
	if status == nil {
		status = in.Meta.ProjectStatus
	}
	if status != nil {
		p.Meta.ProjectStatus, p.Meta.ProjectStatusReason = status.Status, status.Reason
	}
	for i := range in.Files {
		f, err := convertJSONFile(&in.Files[i], base)
		if err != nil {
			return nil, fmt.Errorf("simple: project JSON: file %d: %w", i, err)
		}
		p.Files = append(p.Files, f)
	}
	return p, nil
}

func convertJSONFile(in *jsonFileIn, base *url.URL) (File, error) {
	if in.URL == "" {
		return File{}, fmt.Errorf("no url")
	}
	u, err := resolve(base, in.URL)
	if err != nil {
		return File{}, err
	}
	f := File{
		Filename:   in.Filename,
		URL:        stripFragment(u),
		Hashes:     cleanHashes(in.Hashes),
		GPGSig:     in.GPGSig,
		Size:       -1,
		UploadTime: deref(in.UploadTime),
		Provenance: deref(in.Provenance),
	}
	if f.Filename == "" {
		f.Filename = lastSegment(u)
	}
	if in.RequiresPython != nil {
		f.RequiresPython = *in.RequiresPython
	}
	if in.Size != nil {
		if *in.Size < 0 {
			return File{}, fmt.Errorf("negative size %d", *in.Size)
		}
		f.Size = *in.Size
	}
	if f.Yanked, f.YankedReason, err = parseYankedJSON(in.Yanked); err != nil {
		return File{}, err
	}
	cm := in.CoreMetadata
	if cm == nil {
		cm = in.DistInfoMetadata
	}
	if cm == nil {
		cm = in.DataDistInfoMetadata
	}
	if f.CoreMetadata, err = parseCoreMetadataJSON(cm); err != nil {
		return File{}, err
	}
	return f, nil
}

func parseYankedJSON(raw json.RawMessage) (bool, string, error) {
	switch {
	case raw == nil, bytes.Equal(raw, []byte("null")), bytes.Equal(raw, []byte("false")):
		return false, "", nil
	case bytes.Equal(raw, []byte("true")):
		return true, "", nil
	}
	var reason string
	if err := json.Unmarshal(raw, &reason); err != nil {
		return false, "", fmt.Errorf("yanked: want a boolean or a string, got %.40s", raw)
	}
	return reason != "", reason, nil
}

func parseCoreMetadataJSON(raw json.RawMessage) (CoreMetadata, error) {
	switch {
	case raw == nil, bytes.Equal(raw, []byte("null")), bytes.Equal(raw, []byte("false")):
		return CoreMetadata{}, nil
	case bytes.Equal(raw, []byte("true")):
		return CoreMetadata{Available: true, Hashes: map[string]string{}}, nil
	}
	var hashes map[string]string
	if err := json.Unmarshal(raw, &hashes); err != nil {
		return CoreMetadata{}, fmt.Errorf("core-metadata: want a boolean or an object of hashes, got %.40s", raw)
	}
	// An object, even an empty one, means available: pip (isinstance dict)
	// and uv (CoreMetadata::Hashes) agree.
	return CoreMetadata{Available: true, Hashes: cleanHashes(hashes)}, nil
}

type jsonRootIn struct {
	Meta     jsonMetaIn      `json:"meta"`
	Projects []rootProjectIn `json:"projects"`
}

// ParseRootJSON parses a PEP 691 root index (/simple/ as JSON), keeping PyPI's
// _last-serial per project and for the page (-1 when absent). Entries without
// a name are skipped.
func ParseRootJSON(data []byte) (*RootIndex, error) {
	in, ok := jsonRootIn{}, false
	if json.Valid(data) {
		in, ok = parseRootFast(data)
	}
	if !ok {
		in = jsonRootIn{}
		if err := json.Unmarshal(data, &in); err != nil {
			return nil, fmt.Errorf("simple: root JSON: %w", err)
		}
	}
	if err := checkAPIVersion(in.Meta.APIVersion); err != nil {
		return nil, fmt.Errorf("simple: root JSON: %w", err)
	}
	r := &RootIndex{
		Projects: make([]RootProject, 0, len(in.Projects)),
		Meta:     Meta{APIVersion: in.Meta.APIVersion, LastSerial: in.Meta.LastSerial.value()},
	}
	for _, p := range in.Projects {
		if p.Name == "" {
			continue
		}
		r.Projects = append(r.Projects, RootProject{Name: p.Name, LastSerial: p.LastSerial.value()})
	}
	return r, nil
}

// jsonSerial is PyPI's _last-serial: a number from PyPI, a string of digits
// from bandersnatch (which writes str(serial)). Absent or null is -1.
type jsonSerial struct {
	n   int64
	set bool
}

func (s *jsonSerial) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*s = jsonSerial{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		b = []byte(str)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("_last-serial: want a non-negative integer, got %.40s", b)
	}
	*s = jsonSerial{n: n, set: true}
	return nil
}

func (s jsonSerial) value() int64 {
	if !s.set {
		return -1
	}
	return s.n
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
