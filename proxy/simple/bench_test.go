package simple

import (
	"fmt"
	"testing"
)

// benchProject is a realistic 40-version project: a wheel and an sdist per
// version, every field set.
func benchProject() *Project {
	p := &Project{Name: "benchproject", Meta: Meta{APIVersion: APIVersion, LastSerial: 24623412,
		Tracks: []string{"https://pypi.org/simple/benchproject/"}}}
	for v := range 40 {
		version := fmt.Sprintf("1.%d.0", v)
		p.Versions = append(p.Versions, version)
		for _, fn := range []string{"benchproject-" + version + "-py3-none-any.whl", "benchproject-" + version + ".tar.gz"} {
			f := File{
				Filename:       fn,
				URL:            fmt.Sprintf("https://files.pythonhosted.org/packages/%02x/%02x/%060x/%s", v, v+1, v*7919, fn),
				Hashes:         map[string]string{"sha256": fmt.Sprintf("%064x", v*104729+len(fn))},
				RequiresPython: ">=3.8, <4",
				Size:           int64(100000 + v),
				UploadTime:     "2024-01-15T09:00:00.123456Z",
				CoreMetadata:   CoreMetadata{Available: true, Hashes: map[string]string{"sha256": fmt.Sprintf("%064x", v)}},
				Provenance:     "https://pypi.org/integrity/benchproject/" + version + "/" + fn + "/provenance",
			}
			if v%10 == 3 {
				f.Yanked, f.YankedReason = true, "broken <build>"
			}
			p.Files = append(p.Files, f)
		}
	}
	return p
}

func BenchmarkRenderProjectJSON(b *testing.B) {
	p := benchProject()
	b.ReportAllocs()
	b.SetBytes(int64(len(RenderProjectJSON(p))))
	for b.Loop() {
		_ = RenderProjectJSON(p)
	}
}

func BenchmarkRenderProjectHTML(b *testing.B) {
	p := benchProject()
	b.ReportAllocs()
	b.SetBytes(int64(len(RenderProjectHTML(p))))
	for b.Loop() {
		_ = RenderProjectHTML(p)
	}
}

func BenchmarkParseProjectJSON(b *testing.B) {
	data := RenderProjectJSON(benchProject())
	base := fuzzBase()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseProjectJSON(data, base); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseProjectHTML(b *testing.B) {
	data := RenderProjectHTML(benchProject())
	base := fuzzBase()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseProjectHTML(data, base, "benchproject"); err != nil {
			b.Fatal(err)
		}
	}
}
