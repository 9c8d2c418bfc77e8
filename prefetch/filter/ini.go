package filter

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// iniFile is a parsed INI file in Python configparser's dialect: "[section]"
// headers, "key = value" or "key: value", keys case-insensitive, values
// continued on indented lines, full-line comments starting with '#' or ';'.
// There is no interpolation.
type iniFile struct {
	order    []string
	sections map[string]*iniSection
}

type iniSection struct {
	name   string
	keys   []string
	values map[string]string
}

func (s *iniSection) get(key string) (string, bool) {
	if s == nil {
		return "", false
	}
	v, ok := s.values[key]
	return v, ok
}

func parseINI(data []byte) (*iniFile, error) {
	f := &iniFile{sections: map[string]*iniSection{}}
	var sec *iniSection
	var key string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		raw := strings.TrimRight(sc.Text(), "\r")
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case raw[0] == ' ' || raw[0] == '\t':
			if sec == nil || key == "" {
				return nil, fmt.Errorf("line %d: indented line %q continues no key", n, line)
			}
			sec.values[key] += "\n" + line
			continue
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			name := strings.TrimSpace(line[1 : len(line)-1])
			if _, dup := f.sections[name]; dup {
				return nil, fmt.Errorf("line %d: section [%s] appears twice", n, name)
			}
			sec = &iniSection{name: name, values: map[string]string{}}
			f.sections[name] = sec
			f.order = append(f.order, name)
			key = ""
			continue
		}
		if sec == nil {
			return nil, fmt.Errorf("line %d: %q comes before any [section]", n, line)
		}
		// '=' first: bandersnatch's metadata filter keys contain ':'
		// ("not-null:info.classifiers = ..."); "key: value" still works.
		i := strings.IndexByte(line, '=')
		if i < 0 {
			i = strings.IndexByte(line, ':')
		}
		if i <= 0 {
			return nil, fmt.Errorf("line %d: %q is not \"key = value\"", n, line)
		}
		key = strings.ToLower(strings.TrimSpace(line[:i]))
		if _, dup := sec.values[key]; dup {
			return nil, fmt.Errorf("line %d: key %q appears twice in [%s]", n, key, sec.name)
		}
		sec.values[key] = strings.TrimSpace(line[i+1:])
		sec.keys = append(sec.keys, key)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

// iniList splits a value into its non-empty lines (one entry a line, as
// bandersnatch reads packages, platforms, regexes and plugin names).
func iniList(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// iniBool parses configparser's booleans.
func iniBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v)
}
