package proxy

import (
	"strconv"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// TestAcceptMemo: the memo answers as simple.Negotiate does, the second
// time too, errors included, and stops growing at its bound.
func TestAcceptMemo(t *testing.T) {
	var a acceptMemo
	for _, accept := range []string{pipAccept[len("Accept: "):], "", "text/html", "image/png", "application/vnd.pypi.simple.v1+json"} {
		wf, wct, werr := simple.Negotiate(accept, "")
		for i := range 2 {
			f, ct, err := a.negotiate(accept)
			if f != wf || ct != wct || (err == nil) != (werr == nil) {
				t.Errorf("%q (call %d): %v %q %v, want %v %q %v", accept, i, f, ct, err, wf, wct, werr)
			}
		}
	}
	for i := range 2 * maxAcceptMemo {
		a.negotiate("text/html; q=0." + strconv.Itoa(i))
	}
	if n := a.n.Load(); n != maxAcceptMemo {
		t.Errorf("memo holds %d headers, want at most %d", n, maxAcceptMemo)
	}
}
