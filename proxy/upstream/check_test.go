package upstream

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCheckRoot: a Simple API root (JSON or HTML) passes; a site's home
// page, a JSON API document, XML-RPC's 405 and a 404 are ErrNotSimpleRoot;
// an unreachable upstream is an upstream *Error, not a verdict.
func TestCheckRoot(t *testing.T) {
	pages := map[string]struct {
		ctype, body string
		code        int
	}{
		"/simple/":      {"application/vnd.pypi.simple.v1+json", `{"meta":{"api-version":"1.1"},"projects":[]}`, 200},
		"/html-simple/": {"text/html", `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"><title>Simple index</title></head><body><a href="/simple/a/">a</a></body></html>`, 200},
		"/bare/":        {"text/html", `<html><body><a href="a/">a</a><a href="b/">b</a></body></html>`, 200},
		"/":             {"text/html", `<html><head><link rel="stylesheet" href="/s.css"><script src="/x.js"></script></head><body><nav></nav><form action="/search/"></form><a href="/simple/">simple</a></body></html>`, 200},
		"/pypi/":        {"text/plain", "Method Not Allowed", 405},
		"/pypi/x/json/": {"application/json", `{"info":{"name":"x"},"releases":{}}`, 200},
		"/down/":        {"text/plain", "oops", 503},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", p.ctype)
		w.WriteHeader(p.code)
		w.Write([]byte(p.body))
	}))
	defer srv.Close()
	c, err := New(Config{IndexURL: srv.URL + "/simple/", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/simple/": "ok", "/html-simple/": "ok", "/bare/": "ok",
		"/": "not-root", "/pypi/": "not-root", "/pypi/x/json/": "not-root", "/nothing/": "not-root",
		"/down/": "unreachable",
	} {
		err := c.CheckRootURL(context.Background(), srv.URL+path)
		var ue *Error
		got := "ok"
		switch {
		case errors.Is(err, ErrNotSimpleRoot):
			got = "not-root"
		case errors.As(err, &ue):
			got = "unreachable"
		case err != nil:
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s: %s (%v), want %s", path, got, err, want)
		}
	}
	if err := c.CheckRoot(context.Background()); err != nil {
		t.Errorf("CheckRoot of the configured root: %v", err)
	}
}

func TestKnownSiteRoot(t *testing.T) {
	tests := map[string]string{
		"https://pypi.org":             "https://pypi.org/simple/",
		"https://pypi.org/":            "https://pypi.org/simple/",
		"https://pypi.org/pypi":        "https://pypi.org/simple/",
		"https://pypi.org/pypi/":       "https://pypi.org/simple/",
		"https://pypi.org/simple":      "https://pypi.org/simple/",
		"https://www.pypi.org":         "https://pypi.org/simple/",
		"https://test.pypi.org/":       "https://test.pypi.org/simple/",
		"https://pypi.org/simple/":     "",
		"https://example.com/":         "",
		"https://pypi.org/project/x/":  "",
		"http://user:pw@pypi.org/pypi": "http://user:pw@pypi.org/simple/",
	}
	for in, want := range tests {
		got, changed := KnownSiteRoot(in)
		if want == "" {
			if changed || got != in {
				t.Errorf("KnownSiteRoot(%q) = %q, %v; want it unchanged", in, got, changed)
			}
			continue
		}
		if !changed || got != want {
			t.Errorf("KnownSiteRoot(%q) = %q, %v; want %q", in, got, changed, want)
		}
	}
}
