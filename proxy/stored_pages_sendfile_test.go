package proxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// fileRecorder is a ResponseWriter that, like net/http's, has ReadFrom,
// and notes whether it was handed the file itself (what sendfile needs).
type fileRecorder struct {
	*httptest.ResponseRecorder
	gotFile bool
}

func (r *fileRecorder) ReadFrom(src io.Reader) (int64, error) {
	if lr, ok := src.(*io.LimitedReader); ok {
		_, r.gotFile = lr.R.(*os.File)
	}
	return io.Copy(struct{ io.Writer }{r.ResponseRecorder}, src)
}

// TestStoredPageReachesSendfile: a page served from its stored copy hands
// the open file to the ResponseWriter's ReadFrom (net/http then sends it
// with sendfile), not a wrapper that forces a copy through a buffer; a
// small one leaves in one write with its headers instead, and one over
// sendfileMax goes through a large buffer (faster than sendfile there).
func TestStoredPageReachesSendfile(t *testing.T) {
	for _, tc := range []struct {
		small, max int64
		wantFile   bool
	}{{0, 1 << 30, true}, {1 << 20, 1 << 30, false}, {0, 16, false}} {
		t.Run(fmt.Sprintf("small=%d,max=%d", tc.small, tc.max), func(t *testing.T) {
			testStoredPageSendfile(t, tc.small, tc.max, tc.wantFile)
		})
	}
}

func testStoredPageSendfile(t *testing.T, small, max int64, wantFile bool) {
	oldSmall, oldMax := smallStoredPage, sendfileMax
	smallStoredPage, sendfileMax = small, max
	t.Cleanup(func() { smallStoredPage, sendfileMax = oldSmall, oldMax })
	h := newHarness(t, harnessOpts{})
	_, plain := h.get("/simple/projecta/", pipAccept, "Accept-Encoding: gzip")
	h.restart(index.Config{MemoryBytes: 64 << 10, Offline: true})
	for _, coding := range []string{"gzip", "identity"} {
		req := httptest.NewRequest(http.MethodGet, "/simple/projecta/", nil)
		req.Header.Set("Accept", pipAccept[len("Accept: "):])
		req.Header.Set("Accept-Encoding", coding)
		rec := &fileRecorder{ResponseRecorder: httptest.NewRecorder()}
		h.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.gotFile != wantFile {
			t.Errorf("%s: status %d, ReadFrom given the file: %v, want %v", coding, rec.Code, rec.gotFile, wantFile)
		}
		if coding == "gzip" && rec.Body.String() != plain {
			t.Errorf("gzip: %d bytes, want the %d served before", rec.Body.Len(), len(plain))
		}
	}
}
