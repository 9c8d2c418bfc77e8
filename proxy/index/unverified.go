package index

import "errors"

// ErrUnverifiable is a file whose page gives no usable sha256: the proxy
// serves only files it can verify unless Config.AllowUnverified.
var ErrUnverifiable = errors.New("the index page gives no usable sha256 for this file")

// usableSHA256 reports whether h is a sha256 hex digest (either case).
func usableSHA256(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
