package simple

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// slowRoot is what encoding/json alone makes of data.
func slowRoot(data []byte) (jsonRootIn, error) {
	var in jsonRootIn
	err := json.Unmarshal(data, &in)
	return in, err
}

// FuzzParseRootJSONFast: wherever the fast reader accepts a valid
// document, encoding/json reads the same root from it without error.
func FuzzParseRootJSONFast(f *testing.F) {
	for _, seed := range []string{
		`{"meta":{"api-version":"1.1","_last-serial":7},"projects":[{"name":"a","_last-serial":3},{"name":"B_c"}]}`,
		`{"projects":[{"name":"x\u00e9","_last-serial":"12"},{"_last-serial":null,"name":"y"}],"meta":{"api-version":"1.0"}}`,
		`{"projects":null}`,
		`{"Projects":[{"name":"a"}]}`,
		`{"projects":[{"NAME":"a"}]}`,
		`{"projects":[{"name":"a","extra":{"k":[1,"]",{"x":"}"}]}}]}`,
		`{"projects":[null]}`,
		`{"meta":null,"projects":[{"name":"\ud800"}]}`,
		`{"projects":[{"name":"a\xffb"}]}`,
		`{"projects":[{"n\u0061me":"esc"}],"m\u0065ta":{"_last-serial":-1}}`,
		`{"projects":[{"name":"a","_laſt-serial":5}]}`,
		` { "projects" : [ { "name" : "sp" , "_last-serial" : 1 } ] } `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		fast, ok := parseRootFast(data)
		if !ok {
			return
		}
		slow, err := slowRoot(data)
		if err != nil {
			t.Fatalf("fast accepted what encoding/json rejects (%v): %q", err, data)
		}
		if len(fast.Projects) == 0 && len(slow.Projects) == 0 {
			fast.Projects, slow.Projects = nil, nil
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast %+v\nslow %+v\ninput %q", fast, slow, data)
		}
	})
}

// TestParseRootJSONFastTakesPyPIShape: PyPI's shape goes the fast way.
func TestParseRootJSONFastTakesPyPIShape(t *testing.T) {
	data := pypiRoot(1000)
	in, ok := parseRootFast(data)
	if !ok || len(in.Projects) != 1000 || in.Projects[999].Name != "project-999" || in.Meta.LastSerial.value() != 99 {
		t.Fatalf("ok %v, %d projects, meta %+v", ok, len(in.Projects), in.Meta)
	}
}

// pypiRoot is a root shaped like PyPI's JSON root.
func pypiRoot(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"meta":{"_last-serial":99,"api-version":"1.1"},"projects":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"_last-serial":%d,"name":"project-%d"}`, 1000+i, i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func BenchmarkParseRootJSON(b *testing.B) {
	data := pypiRoot(100_000)
	b.SetBytes(int64(len(data)))
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParseRootJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := slowRoot(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
