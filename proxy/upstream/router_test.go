package upstream

import (
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// stubIndex is an Index with a fixed answer per project, counting asks.
type stubIndex struct {
	name    string
	answers map[string]error // project -> nil (has it) or the error
	mu      sync.Mutex
	asked   map[string]int
}

func newStub(name string, answers map[string]error) *stubIndex {
	return &stubIndex{name: name, answers: answers, asked: map[string]int{}}
}

func (s *stubIndex) count(p string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.asked[p] }
func (s *stubIndex) Name() string       { return s.name }
func (s *stubIndex) IndexURL() *url.URL { return &url.URL{Scheme: "http", Host: s.name} }
func (s *stubIndex) FetchProjectPage(_ context.Context, name string) (*Page, error) {
	s.mu.Lock()
	s.asked[name]++
	s.mu.Unlock()
	err, ok := s.answers[name]
	if !ok {
		err = &Error{Kind: KindNotFound, Status: 404}
	}
	if err != nil {
		return nil, err
	}
	return &Page{Body: []byte(s.name)}, nil
}
func (s *stubIndex) FetchRootPage(context.Context) (*Page, error) { return &Page{}, nil }
func (s *stubIndex) FetchJSONAPI(_ context.Context, name, _ string) (*Page, error) {
	return &Page{Body: []byte("json:" + s.name)}, nil
}
func (s *stubIndex) OpenFile(context.Context, string) (io.ReadCloser, int64, error) {
	return nil, 0, nil
}
func (s *stubIndex) Ping(context.Context) error                         { return nil }
func (s *stubIndex) CallXMLRPC(context.Context, []byte) ([]byte, error) { return nil, nil }

func TestRoutedNeverFallsThrough(t *testing.T) {
	down := &Error{Kind: KindUnavailable, Status: 502}
	private := newStub("private", map[string]error{"acme-lib": nil, "shared": nil, "flaky": down})
	public := newStub("pypi", map[string]error{"acme-lib": nil, "shared": nil, "requests": nil, "flaky": nil, "acme-new": nil})
	var audits []string
	r, err := NewRouted(RouterConfig{Indexes: []Index{private, public}, Rules: []Rule{{Pattern: "acme-*", Index: "private"}},
		Audit: func(p, ix, rule string) { audits = append(audits, p+"@"+ix+":"+rule) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		project, index string
		status         int // expected error status, 0 for a page
	}{
		{"acme-lib", "private", 0},
		{"acme-new", "", 404},    // pinned to private, which lacks it: never PyPI's
		{"shared", "private", 0}, // first in order wins over a higher version elsewhere
		{"requests", "pypi", 0},
		{"flaky", "", 503}, // private down: fail closed
		{"nowhere", "", 404},
	} {
		pg, err := r.ForProject(tc.project).FetchProjectPage(ctx, tc.project)
		var ue *Error
		switch {
		case tc.status != 0 && (!errors.As(err, &ue) || ue.Status != tc.status):
			t.Errorf("%s: err %v, want status %d", tc.project, err, tc.status)
		case tc.status == 0 && (err != nil || pg.Index != tc.index || string(pg.Body) != tc.index):
			t.Errorf("%s: page %+v err %v, want from %s", tc.project, pg, err, tc.index)
		}
	}
	if public.count("flaky") != 0 || public.count("acme-new") != 0 {
		t.Errorf("public index was asked for a project it must not serve: %v", public.asked)
	}
	// The private index's 404 for requests is remembered: asked once.
	if _, err := r.ForProject("requests").FetchProjectPage(ctx, "requests"); err != nil {
		t.Fatal(err)
	}
	if n := private.count("requests"); n != 1 {
		t.Errorf("private asked %d times for requests, want 1 (absence remembered)", n)
	}
	// The JSON API follows the page's index.
	if pg, err := r.ForProject("shared").FetchJSONAPI(ctx, "shared", ""); err != nil || string(pg.Body) != "json:private" {
		t.Errorf("JSON API of shared: %v %v", pg, err)
	}
	if len(audits) == 0 || audits[0] != "acme-lib@private:route_pin" {
		t.Errorf("audits %v", audits)
	}
}

func TestParseRule(t *testing.T) {
	file := filepath.Join(t.TempDir(), "names")
	if err := os.WriteFile(file, []byte("# ours\nAcme_Lib\nfoo.bar  # comment\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rules, err := ParseRule("@" + file + "=private")
	if err != nil || len(rules) != 2 || rules[0].Pattern != "acme-lib" || rules[1].Pattern != "foo-bar" {
		t.Fatalf("rules %v err %v", rules, err)
	}
	glob, _ := ParseRule("Acme_*=private")
	for name, want := range map[string]bool{"acme-x": true, "acme": false, "acmex": false} {
		if got := glob[0].Match(name); got != want {
			t.Errorf("acme-* matches %s: %v", name, got)
		}
	}
	for _, bad := range []string{"x", "=a", "a=", "[=a", "@/nonexistent=a"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := NewRouted(RouterConfig{Indexes: []Index{newStub("a", nil)}, Rules: []Rule{{"x", "b"}}}); err == nil {
		t.Error("rule naming an unknown index accepted")
	}
}
