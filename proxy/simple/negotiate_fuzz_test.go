package simple

import (
	"errors"
	"testing"
)

// FuzzNegotiate: any Accept header and ?format= value either negotiates
// one of the formats with a v1 Content-Type or is ErrNotAcceptable; never
// a panic, never another error.
func FuzzNegotiate(f *testing.F) {
	f.Add("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", "")
	f.Add("*/*", "")
	f.Add("", "application/vnd.pypi.simple.latest+json")
	f.Add("text/html;q=0", "")
	f.Add("a/b;q=1e999, ,;;,*/*;q=-1", "")
	f.Fuzz(func(t *testing.T, accept, format string) {
		_, ct, err := Negotiate(accept, format)
		if err != nil {
			if !errors.Is(err, ErrNotAcceptable) {
				t.Fatalf("Negotiate(%q, %q): unexpected error %v", accept, format, err)
			}
			return
		}
		switch ct {
		case "text/html; charset=UTF-8", "application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.v1+json":
		default:
			t.Fatalf("Negotiate(%q, %q) = Content-Type %q", accept, format, ct)
		}
	})
}
