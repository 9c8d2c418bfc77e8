package simple

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
)

func fuzzBase() *url.URL {
	u, _ := url.Parse(pageURL)
	return u
}

func FuzzParseProjectJSON(f *testing.F) {
	for _, name := range []string{"project.json", "root.json"} {
		data, err := readFixtureErr(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"meta":{"api-version":"1.0"},"name":"x","files":[{"url":"a b#c","yanked":"r","core-metadata":{"SHA256":"ab"}}]}`))
	f.Add([]byte(`{"meta":{"api-version":"1.1"},"versions":[],"files":[{"url":"//h/\u2028","size":0,"hashes":{"md5":"00"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := fuzzBase()
		p1, err := ParseProjectJSON(data, base)
		if err != nil {
			return
		}
		out1 := RenderProjectJSON(p1)
		if !json.Valid(out1) {
			t.Fatalf("rendered invalid JSON: %s", out1)
		}
		p2, err := ParseProjectJSON(out1, base)
		if err != nil {
			t.Fatalf("re-parse of rendered page failed: %v\n%s", err, out1)
		}
		if out2 := RenderProjectJSON(p2); !bytes.Equal(out1, out2) {
			t.Fatalf("render is not a fixed point:\n%s\n%s", out1, out2)
		}
		_ = RenderProjectHTML(p1)
	})
}

func FuzzParseProjectHTML(f *testing.F) {
	for _, name := range []string{"project.html", "root.html"} {
		data, err := readFixtureErr(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<base href="../x/"><a href="a.whl#sha256=00" data-yanked data-core-metadata="md5=ff">a</a><a href=b/>`))
	f.Add([]byte(`<meta name="pypi:repository-version" content="1.3"><a href="?q#x=1" data-gpg-sig=TRUE>&lt;&#0;</a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := fuzzBase()
		p1, err := ParseProjectHTML(data, base, "x")
		if err != nil {
			return
		}
		out1 := RenderProjectHTML(p1)
		p2, err := ParseProjectHTML(out1, base, "x")
		if err != nil {
			t.Fatalf("re-parse of rendered page failed: %v\n%s", err, out1)
		}
		if out2 := RenderProjectHTML(p2); !bytes.Equal(out1, out2) {
			t.Fatalf("render is not a fixed point:\n%s\n%s", out1, out2)
		}
		if j := RenderProjectJSON(p1); !json.Valid(j) {
			t.Fatalf("rendered invalid JSON: %s", j)
		}
	})
}
