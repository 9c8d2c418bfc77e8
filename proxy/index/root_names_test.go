package index

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// TestRootDropsHostileNames: an upstream root listing a project named
// "javascript:alert(1)" (or with markup) renders no such link.
func TestRootDropsHostileNames(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		io.WriteString(w, `{"meta":{"api-version":"1.1","_last-serial":3},"projects":[`+
			`{"name":"javascript:alert(1)","_last-serial":1},{"name":"<b>x</b>","_last-serial":2},{"name":"good-one","_last-serial":3}]}`)
	}))
	defer srv.Close()
	c, err := upstream.New(upstream.Config{IndexURL: srv.URL + "/simple/", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := FetchRoot(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	html := string(simple.RenderRootHTML(root))
	if strings.Contains(html, "javascript:") || strings.Contains(html, "<b>") || len(root.Projects) != 1 {
		t.Errorf("root keeps hostile names (%d projects):\n%s", len(root.Projects), html)
	}
}
