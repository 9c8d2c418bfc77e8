package cache

import (
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/blake2b"
)

// PackageDigest returns the blake2b-256 digest (hex) a file key names when
// it has PyPI's files-host layout, packages/<aa>/<bb>/<60 hex>/<filename>:
// files.pythonhosted.org derives that path from the blake2b-256 of the
// content. Checking it makes such a key content-addressed: whatever page
// claims the path (two projects, two indexes), only the bytes the path
// names can be published under it. ok is false for other keys and for
// .metadata files.
func PackageDigest(key string) (digest string, ok bool) {
	rest, found := strings.CutPrefix(key, PackagesPrefix)
	if !found || strings.HasSuffix(key, ".metadata") {
		return "", false
	}
	rel, valid := pypiFilePath("/packages/" + rest)
	if !valid {
		return "", false
	}
	seg := strings.Split(rel, "/")
	digest = strings.ToLower(seg[0] + seg[1] + seg[2])
	if len(digest) != 64 || seg[0] != digest[:2] || seg[1] != digest[2:4] {
		return "", false
	}
	return digest, true
}

// contentCheck hashes a download with blake2b-256 when its key names a
// digest; otherwise it discards what it is given.
type contentCheck struct {
	want string
	h    hash.Hash
}

func newContentCheck(want string) *contentCheck {
	c := &contentCheck{want: strings.ToLower(want)}
	if want != "" {
		c.h, _ = blake2b.New256(nil)
	}
	return c
}

func (c *contentCheck) Write(p []byte) (int, error) {
	if c.h != nil {
		c.h.Write(p)
	}
	return len(p), nil
}

// check compares the digest with the one the key names.
func (c *contentCheck) check(key string) error {
	if c.h == nil {
		return nil
	}
	if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
		return fmt.Errorf("%s: got blake2b-256 %s, the path names %s: %w", key, got, c.want, ErrHashMismatch)
	}
	return nil
}
