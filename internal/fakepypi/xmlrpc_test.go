package fakepypi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// call performs an XML-RPC call with the package's own encoder and decoder.
func call(t *testing.T, u *Upstream, method string, args ...any) (any, *xmlValue) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\"?><methodCall><methodName>" + method + "</methodName><params>")
	for _, a := range args {
		b.WriteString("<param>")
		encodeValue(&b, a)
		b.WriteString("</param>")
	}
	b.WriteString("</params></methodCall>")
	resp, err := http.Post(u.XMLRPCURL(), "text/xml", &b)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/xml" {
		t.Fatalf("%s: %d %q", method, resp.StatusCode, ct)
	}
	var r xmlResponse
	if err := xml.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: %v\n%s", method, err, body)
	}
	if r.Fault != nil {
		return nil, r.Fault
	}
	if len(r.Params) != 1 {
		t.Fatalf("%s: %d params", method, len(r.Params))
	}
	v, err := r.Params[0].decode()
	if err != nil {
		t.Fatal(err)
	}
	return v, nil
}

func TestXMLRPC(t *testing.T) {
	u := New(Options{ChangelogPageSize: 4})
	defer u.Close()
	PublishDemo(u)
	u.RemoveFile("projectc", "projectc-1.0.tar.gz")
	u.RemoveRelease("projectc", "1.0")
	u.Unyank("projecta", "1.1")
	u.RemoveProject("Project_D")

	if v, _ := call(t, u, "changelog_last_serial"); v != u.Serial() {
		t.Errorf("changelog_last_serial %v, want %d", v, u.Serial())
	}
	v, _ := call(t, u, "list_packages_with_serial")
	m := v.(map[string]any)
	if len(m) != 3 || m["projecta"] != u.ProjectSerial("projecta") {
		t.Errorf("list_packages_with_serial %v", m)
	}
	// Page through the changelog with the small cap.
	var rows [][]any
	since := int64(0)
	for pages := 0; ; pages++ {
		v, _ := call(t, u, "changelog_since_serial", since)
		page := v.([]any)
		if len(page) > 4 {
			t.Fatalf("page of %d rows", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			row := r.([]any)
			rows = append(rows, row)
			since = row[4].(int64)
		}
	}
	if int64(len(rows)) != u.Serial() {
		t.Fatalf("%d rows, serial %d", len(rows), u.Serial())
	}
	actions := map[string][]any{}
	for i, r := range rows {
		if r[4].(int64) != int64(i+1) {
			t.Errorf("row %d serial %v", i, r[4])
		}
		if _, seen := actions[r[3].(string)]; !seen {
			actions[r[3].(string)] = r
		}
	}
	tests := []struct {
		action  string
		name    string
		version any
	}{
		{"create", "projectc", nil},
		{"add Owner alice", "projectc", nil},
		{"new release", "projectc", "1.0"},
		{"add py3 file projectc-1.0-py3-none-any.whl", "projectc", "1.0"},
		{"add source file projectc-1.0.tar.gz", "projectc", "1.0"},
		{"remove file projectc-1.0.tar.gz", "projectc", "1.0"},
		{"remove release", "projectc", "1.0"},
		{"yank release", "projecta", "1.1"},
		{"unyank release", "projecta", "1.1"},
		{"remove project", "Project_D", nil},
	}
	for _, tc := range tests {
		r, ok := actions[tc.action]
		if !ok || r[0] != tc.name || r[1] != tc.version {
			t.Errorf("%q: %v", tc.action, r)
		}
		if ts, ok := r[2].(int64); ok && ts < epoch.Unix() {
			t.Errorf("%q: timestamp %d", tc.action, ts)
		}
	}
	if _, fault := call(t, u, "no_such_method"); fault == nil {
		t.Error("unknown method: no fault")
	}
	if _, fault := call(t, u, "changelog_since_serial", "x"); fault == nil {
		t.Error("bad argument: no fault")
	}
}

// TestXMLRPCWithPython checks the responses against Python's standard xmlrpc.client.
func TestXMLRPCWithPython(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	u := newDemo(t, Options{ChangelogPageSize: 3})
	script := fmt.Sprintf(`
import xmlrpc.client
c = xmlrpc.client.ServerProxy(%q)
print(c.changelog_last_serial())
print(sorted(c.list_packages_with_serial().items()))
print(c.changelog_since_serial(0))
try:
    c.nope()
except xmlrpc.client.Fault as f:
    print("fault", f.faultCode)
`, u.XMLRPCURL())
	out, err := exec.Command("/usr/bin/python3", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []string{
		fmt.Sprint(u.Serial()),
		fmt.Sprintf("('projecta', %d)", u.ProjectSerial("projecta")),
		"[['projectc', None, ",
		"'create', 1], ['projectc', None, ",
		"fault -32601",
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("python output lacks %q:\n%s", w, out)
		}
	}
}
