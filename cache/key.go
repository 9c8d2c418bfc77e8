package cache

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidKey is returned (wrapped) by every Store method given a key that
// ValidKey rejects.
var ErrInvalidKey = errors.New("cache: invalid key")

// Key limits.
const (
	MaxKeyLen     = 1024 // bytes in a whole key
	MaxSegmentLen = 255  // bytes in one slash-separated segment
	// TempPrefix starts the names of temporary files; no key segment may.
	TempPrefix = ".tmp-"
)

// ValidKey reports whether key is a safe object key: a slash-separated
// relative path that, joined under any root directory, names a file inside
// that root. It must be non-empty valid UTF-8 of at most MaxKeyLen bytes,
// with no leading "/", no empty, "." or ".." segments, no backslash, no
// control bytes (including NUL), segments of at most MaxSegmentLen bytes,
// and no segment starting with TempPrefix. The error wraps ErrInvalidKey.
func ValidKey(key string) error {
	if reason := keyProblem(key); reason != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, reason)
	}
	return nil
}

func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty"
	case len(key) > MaxKeyLen:
		return "too long"
	case !utf8.ValidString(key):
		return "not UTF-8"
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == 0x7f {
			return "control byte"
		} else if c == '\\' {
			return "backslash"
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return "empty segment (leading, trailing or double slash)"
		case seg == "." || seg == "..":
			return "dot segment"
		case len(seg) > MaxSegmentLen:
			return "segment too long"
		case strings.HasPrefix(seg, TempPrefix):
			return "reserved temp-file segment"
		}
	}
	return ""
}

// validPrefix checks a Walk prefix: "" or a prefix of a valid key.
func validPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := ValidKey(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("walk prefix: %w", err)
	}
	return nil
}

// hiddenKey reports whether a segment of key starts with "." (such keys are
// not reported by Walk).
func hiddenKey(key string) bool {
	return strings.HasPrefix(key, ".") || strings.Contains(key, "/.")
}
