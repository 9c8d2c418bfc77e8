package simple

import (
	"errors"
	"testing"
)

const (
	pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
	uvAccept  = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, accept, format string
		want                 Format
		wantCT               string // "" means ErrNotAcceptable
	}{
		{"pip", pipAccept, "", FormatJSON, MediaTypeJSONV1},
		{"uv", uvAccept, "", FormatJSON, MediaTypeJSONV1},
		{"no header", "", "", FormatHTML, ContentTypeTextHTML},
		{"blank header", "  ", "", FormatHTML, ContentTypeTextHTML},
		{"any", "*/*", "", FormatHTML, ContentTypeTextHTML},
		{"text/html", "text/html", "", FormatHTML, ContentTypeTextHTML},
		{"v1 html", MediaTypeHTMLV1, "", FormatHTML, MediaTypeHTMLV1},
		{"v1 json", MediaTypeJSONV1, "", FormatJSON, MediaTypeJSONV1},
		{"case-insensitive", "Application/VND.PyPI.Simple.V1+JSON", "", FormatJSON, MediaTypeJSONV1},
		{"latest json", MediaTypeJSONLatest, "", FormatJSON, MediaTypeJSONV1},
		{"latest html", MediaTypeHTMLLatest, "", FormatHTML, MediaTypeHTMLV1},
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", FormatHTML, ContentTypeTextHTML},
		{"tie json first goes to html", MediaTypeJSONV1 + ", text/html", "", FormatHTML, ContentTypeTextHTML},
		{"tie v1 html and json", MediaTypeJSONV1 + ", " + MediaTypeHTMLV1, "", FormatHTML, MediaTypeHTMLV1},
		{"tie explicit q", MediaTypeJSONV1 + ";q=0.5, text/html;q=0.5", "", FormatHTML, ContentTypeTextHTML},
		{"json preferred by q", MediaTypeJSONV1 + ", text/html;q=0.9", "", FormatJSON, MediaTypeJSONV1},
		{"application wildcard", "application/*", "", FormatHTML, MediaTypeHTMLV1},
		{"application wildcard, html refused", "application/*, " + MediaTypeHTMLV1 + ";q=0", "", FormatJSON, MediaTypeJSONV1},
		{"text wildcard", "text/*", "", FormatHTML, ContentTypeTextHTML},
		{"specific beats wildcard", "*/*;q=0.1, " + MediaTypeJSONV1 + ";q=0.2", "", FormatJSON, MediaTypeJSONV1},
		{"q=0 excludes", "text/html;q=0, " + MediaTypeJSONV1 + ";q=0.001", "", FormatJSON, MediaTypeJSONV1},
		{"q=0 on the only type", MediaTypeJSONV1 + ";q=0", "", FormatHTML, ""},
		{"everything q=0 but wildcard", "*/*, text/html;q=0, " + MediaTypeHTMLV1 + ";q=0", "", FormatJSON, MediaTypeJSONV1},
		{"q=0.000", "text/html;q=0.000", "", FormatHTML, ""},
		{"q=1.000", "text/html;q=1.000", "", FormatHTML, ContentTypeTextHTML},
		{"params ignored", "text/html;charset=utf-8;level=1", "", FormatHTML, ContentTypeTextHTML},
		{"quoted comma in param", `application/x;foo="a,text/html", ` + MediaTypeJSONV1 + ";q=0.3", "", FormatJSON, MediaTypeJSONV1},
		{"bad q skipped", "text/html;q=2, " + MediaTypeJSONV1 + ";q=0.1", "", FormatJSON, MediaTypeJSONV1},
		{"bad q only", "text/html;q=abc", "", FormatHTML, ""},
		{"empty elements", ",,, ,text/html,", "", FormatHTML, ContentTypeTextHTML},
		{"unknown type", "application/json", "", FormatHTML, ""},
		{"garbage", "garbage", "", FormatHTML, ""},
		{"garbage symbols", "!!!;;;===,,,", "", FormatHTML, ""},
		{"wildcard type only", "*/json", "", FormatHTML, ""},
		{"format overrides header", pipAccept, "text/html", FormatHTML, ContentTypeTextHTML},
		{"format json over html header", "text/html", MediaTypeJSONV1, FormatJSON, MediaTypeJSONV1},
		{"format v1 html", "", MediaTypeHTMLV1, FormatHTML, MediaTypeHTMLV1},
		{"format latest json", "", MediaTypeJSONLatest, FormatJSON, MediaTypeJSONV1},
		{"format unknown", pipAccept, "application/json", FormatHTML, ""},
		{"format wildcard unsupported", "", "*/*", FormatHTML, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ct, err := Negotiate(tt.accept, tt.format)
			if tt.wantCT == "" {
				if !errors.Is(err, ErrNotAcceptable) {
					t.Fatalf("Negotiate(%q, %q) = %v, %q, %v; want ErrNotAcceptable", tt.accept, tt.format, got, ct, err)
				}
				return
			}
			if err != nil || got != tt.want || ct != tt.wantCT {
				t.Fatalf("Negotiate(%q, %q) = %v, %q, %v; want %v, %q", tt.accept, tt.format, got, ct, err, tt.want, tt.wantCT)
			}
		})
	}
}

func TestNegotiateNoAlloc(t *testing.T) {
	for _, accept := range []string{pipAccept, uvAccept, "", "*/*", "garbage"} {
		if n := testing.AllocsPerRun(100, func() { _, _, _ = Negotiate(accept, "") }); n != 0 {
			t.Errorf("Negotiate(%q) allocates %v times", accept, n)
		}
	}
}

func BenchmarkNegotiate(b *testing.B) {
	for _, bc := range []struct{ name, accept string }{
		{"pip", pipAccept},
		{"uv", uvAccept},
		{"none", ""},
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = Negotiate(bc.accept, "")
			}
		})
	}
}
