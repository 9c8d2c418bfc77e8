package simple

import (
	"errors"
	"fmt"
)

// ErrInvalidName is wrapped by every error ValidateName returns.
var ErrInvalidName = errors.New("invalid project name")

// MaxNameLength is the longest project name, in bytes, that ValidateName accepts.
const MaxNameLength = 255

// Normalize returns the PEP 503 normalized form of name: every run of '-', '_'
// and '.' becomes a single '-', and letters are lower-cased. Only ASCII letters
// are lower-cased; a name ValidateName accepts is pure ASCII, so for valid names
// this is exactly PyPI's re.sub(r"[-_.]+", "-", name).lower(). An already
// normalized name is returned without allocating.
func Normalize(name string) string {
	if IsNormalized(name) {
		return name
	}
	b := make([]byte, 0, len(name))
	inRun := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			if !inRun {
				b = append(b, '-')
			}
			inRun = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		inRun = false
		b = append(b, c)
	}
	return string(b)
}

// IsNormalized reports whether Normalize(name) == name: no upper-case ASCII
// letter, no '_' or '.', and no two '-' in a row. It does not validate name.
func IsNormalized(name string) bool {
	prevDash := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '.' || ('A' <= c && c <= 'Z'):
			return false
		case c == '-':
			if prevDash {
				return false
			}
			prevDash = true
		default:
			prevDash = false
		}
	}
	return true
}

// ValidateName checks that raw is a project name this proxy will handle: not
// empty, at most MaxNameLength bytes, printable ASCII without '/' or '\\', not
// "." or "..", and matching the PEP 508 name rule
// ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$ (case-insensitive). The error it
// returns wraps ErrInvalidName and says which rule failed.
func ValidateName(raw string) error {
	switch {
	case raw == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case len(raw) > MaxNameLength:
		return fmt.Errorf("%w: %d bytes long, the limit is %d", ErrInvalidName, len(raw), MaxNameLength)
	case raw == "." || raw == "..":
		return fmt.Errorf("%w: %q", ErrInvalidName, raw)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '/' || c == '\\':
			return fmt.Errorf("%w: %q contains %q", ErrInvalidName, raw, c)
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%w: %q contains control byte 0x%02x", ErrInvalidName, raw, c)
		case c >= 0x80:
			return fmt.Errorf("%w: %q contains non-ASCII byte 0x%02x", ErrInvalidName, raw, c)
		case !isNameByte(c):
			return fmt.Errorf("%w: %q contains %q (only letters, digits, '.', '_' and '-' are allowed)", ErrInvalidName, raw, c)
		}
	}
	if !isAlnum(raw[0]) || !isAlnum(raw[len(raw)-1]) {
		return fmt.Errorf("%w: %q must start and end with a letter or digit", ErrInvalidName, raw)
	}
	return nil
}

func isAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func isNameByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '-'
}
