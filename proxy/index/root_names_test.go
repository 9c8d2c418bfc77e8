package index

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
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

var hrefs = regexp.MustCompile(`href="([^"]*)"`)

// FuzzRootNames: whatever an upstream JSON root lists, the rendered root
// links only valid project names (no scheme, no markup).
func FuzzRootNames(f *testing.F) {
	f.Add(`{"meta":{"api-version":"1.1"},"projects":[{"name":"javascript:alert(1)"},{"name":"ok"}]}`)
	f.Add(`{"meta":{"api-version":"1.1"},"projects":[{"name":"a\"><script>"},{"name":"data:text/html,x"}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		root, err := simple.ParseRootJSON([]byte(doc))
		if err != nil {
			return
		}
		keepValidNames(root, nil)
		for _, p := range root.Projects {
			if simple.ValidateName(p.Name) != nil {
				t.Fatalf("kept %q", p.Name)
			}
		}
		// A project may be called "javascript" (its link "javascript/" is
		// relative): what must never appear is a link with a scheme.
		html := string(simple.RenderRootHTML(root))
		for _, m := range hrefs.FindAllStringSubmatch(html, -1) {
			if u, err := url.Parse(m[1]); err != nil || u.Scheme != "" || u.Host != "" {
				t.Fatalf("link %q is not relative in %s", m[1], html)
			}
		}
	})
}
