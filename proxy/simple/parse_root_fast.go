package simple

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// PyPI's JSON root lists 650,000 projects in about 35 MB, and a proxy parses
// it again whenever it changes. encoding/json spends most of that time on
// reflection and on copying every name twice; parseRootFast reads the same
// document in one pass over bytes already known to be valid JSON
// (json.Valid), taking names without escapes (and valid UTF-8, which
// encoding/json would repair) straight from the input. Any
// shape it does not expect (a key that differs from the fields only by
// case, which encoding/json would also match, a project that is not an
// object) makes it give up, and ParseRootJSON uses encoding/json: the two
// agree on every input (FuzzParseRootJSONFast).

// parseRootFast parses a valid JSON document as a root index; ok is false
// when the document is not in the shape it reads.
func parseRootFast(data []byte) (in jsonRootIn, ok bool) {
	s := scanner{b: data}
	s.space()
	if !s.consume('{') {
		return in, false
	}
	for s.space(); !s.consume('}'); s.space() {
		key, kok := s.key()
		if !kok {
			return in, false
		}
		switch {
		case string(key) == "meta":
			v := s.value()
			if json.Unmarshal(v, &in.Meta) != nil {
				return in, false
			}
		case string(key) == "projects":
			if in.Projects, ok = s.projects(); !ok {
				return in, false
			}
		case foldsTo(key, "meta", "projects"):
			return in, false
		default:
			s.value()
		}
		s.space()
		s.consume(',')
	}
	return in, true
}

type rootProjectIn = struct {
	Name       string     `json:"name"`
	LastSerial jsonSerial `json:"_last-serial"`
}

// projects reads the projects array (or null, as encoding/json allows).
func (s *scanner) projects() ([]rootProjectIn, bool) {
	if s.literal("null") {
		return nil, true
	}
	if !s.consume('[') {
		return nil, false
	}
	out := make([]rootProjectIn, 0, bytes.Count(s.b[s.i:], []byte(`"name"`)))
	for s.space(); !s.consume(']'); s.space() {
		p, ok := s.project()
		if !ok {
			return nil, false
		}
		out = append(out, p)
		s.space()
		s.consume(',')
	}
	return out, true
}

// project reads one {"name": ..., "_last-serial": ...} object.
func (s *scanner) project() (p rootProjectIn, ok bool) {
	if !s.consume('{') {
		return p, false
	}
	for s.space(); !s.consume('}'); s.space() {
		key, kok := s.key()
		if !kok {
			return p, false
		}
		v := s.value()
		switch {
		case string(key) == "name":
			if p.Name, ok = jsonString(v); !ok {
				return p, false
			}
		case string(key) == "_last-serial":
			if n, digits := plainSerial(v); digits {
				p.LastSerial = jsonSerial{n: n, set: true}
			} else if p.LastSerial.UnmarshalJSON(v) != nil {
				return p, false
			}
		case foldsTo(key, "name", "_last-serial"):
			return p, false
		}
		s.space()
		s.consume(',')
	}
	return p, true
}

// plainSerial reads a serial written as up to 18 plain digits (PyPI's).
func plainSerial(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// foldsTo reports whether key matches one of names only case-insensitively
// (encoding/json would take it for that field).
func foldsTo(key []byte, names ...string) bool {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}

// jsonString decodes a JSON string value: without escapes, the bytes
// themselves; with them, through encoding/json. null is "" (as a field).
func jsonString(v []byte) (string, bool) {
	if string(v) == "null" {
		return "", true
	}
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var str string
	return str, json.Unmarshal(v, &str) == nil
}

// scanner walks a document that json.Valid accepted.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) consume(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) literal(lit string) bool {
	if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		s.i += len(lit)
		return true
	}
	return false
}

// key reads an object key and the colon after it; keys with escapes are
// decoded. The bytes may be the input's: they are compared, not kept.
func (s *scanner) key() ([]byte, bool) {
	raw := s.str()
	s.space()
	if !s.consume(':') || len(raw) < 2 {
		return nil, false
	}
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner, true
	}
	k, ok := jsonString(raw)
	return []byte(k), ok
}

// str returns the string token at the cursor, quotes included.
func (s *scanner) str() []byte {
	start := s.i
	if !s.consume('"') {
		return nil
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return s.b[start:s.i]
		default:
			s.i++
		}
	}
	return s.b[start:]
}

// value skips the value at the cursor and returns its bytes.
func (s *scanner) value() []byte {
	s.space()
	start := s.i
	if s.i >= len(s.b) {
		return nil
	}
	switch s.b[s.i] {
	case '"':
		return s.str()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				return s.b[start:s.i]
			}
		}
		return s.b[start:s.i]
	}
	for s.i < len(s.b) { // a number or a literal
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return s.b[start:s.i]
		}
		s.i++
	}
	return s.b[start:s.i]
}
