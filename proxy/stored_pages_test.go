package proxy

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// TestPageCodings: brotli when the client takes it, else gzip, else
// identity; each rendering its own ETag; the same bytes whether the page
// is served from memory or, over a tiny memory budget, from its stored
// copies (sendfile), HEAD and If-None-Match included.
func TestPageCodings(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	_, plain := h.get("/simple/projecta/", pipAccept)
	check := func(what string) {
		t.Helper()
		etags := map[string]bool{}
		for _, tc := range []struct{ accept, coding string }{
			{"gzip, br", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}, {"", ""}, {"*", "br"},
		} {
			resp, body := h.get("/simple/projecta/", pipAccept, "Accept-Encoding: "+tc.accept)
			wantStatus(t, resp, body, 200)
			if got := resp.Header.Get("Content-Encoding"); got != tc.coding {
				t.Fatalf("%s: Accept-Encoding %q: Content-Encoding %q, want %q", what, tc.accept, got, tc.coding)
			}
			if got := decode(t, tc.coding, body); got != plain {
				t.Errorf("%s: %s body decodes to %d bytes, want the %d plain", what, tc.coding, len(got), len(plain))
			}
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("%s: %s: Content-Length %d for %d bytes", what, tc.coding, resp.ContentLength, len(body))
			}
			etag := resp.Header.Get("ETag")
			etags[etag] = true
			resp, _ = h.get("/simple/projecta/", pipAccept, "Accept-Encoding: "+tc.accept, "If-None-Match: "+etag)
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("%s: %s If-None-Match: %d", what, tc.coding, resp.StatusCode)
			}
			head, hbody := h.do(http.MethodHead, "/simple/projecta/", pipAccept, "Accept-Encoding: "+tc.accept)
			if head.StatusCode != 200 || hbody != "" || head.ContentLength != int64(len(body)) {
				t.Errorf("%s: %s HEAD: %d, length %d", what, tc.coding, head.StatusCode, head.ContentLength)
			}
		}
		if len(etags) != 3 {
			t.Errorf("%s: %d distinct ETags over three codings", what, len(etags))
		}
	}
	check("from memory")
	h.restart(index.Config{MemoryBytes: 64 << 10, Offline: true})
	check("from the tree")
}

func decode(t *testing.T, coding, body string) string {
	t.Helper()
	var r io.Reader = strings.NewReader(body)
	switch coding {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
