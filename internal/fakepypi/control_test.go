package fakepypi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFaultKindNames: every kind has its own name, and the control API finds each by it (a
// hostile kind once shared its value with FaultHoldBody, so an "oversize" rule held the body).
func TestFaultKindNames(t *testing.T) {
	seen := map[string]FaultKind{}
	for k := FaultStatus; k <= FaultRedirect; k++ {
		name := k.String()
		if prev, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d are both named %q", prev, k, name)
		}
		seen[name] = k
		if got, ok := faultKindNamed(name); !ok || got != k {
			t.Errorf("faultKindNamed(%q) = %d, %v; want %d", name, got, ok, k)
		}
	}
	if FaultOversize == FaultHoldBody {
		t.Error("FaultOversize is FaultHoldBody")
	}
}

// TestOversizeSendsMore: an oversize rule sends the body and the excess, not a held half.
func TestOversizeSendsMore(t *testing.T) {
	u := newDemo(t, Options{})
	data, path, _ := u.File("projecta", "projecta-1.0.tar.gz")
	u.SetFault(Fault{Host: FilesHost, Kind: FaultOversize, Times: 1})
	resp, body := get(t, u.FilesURL()+path, nil)
	if resp.StatusCode != 200 || len(body) != len(data)+oversizeExcess || !bytes.HasPrefix(body, data) {
		t.Errorf("status %d, %d bytes; want the %d-byte file and %d more", resp.StatusCode, len(body), len(data), oversizeExcess)
	}
}

func TestControlHandler(t *testing.T) {
	u := newDemo(t, Options{})
	ctl := httptest.NewServer(u.ControlHandler())
	defer ctl.Close()
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ctl.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, path, _ := u.File("projecta", "projecta-1.0.tar.gz")

	if code, body := do("POST", "/faults", `{"host": "files", "path": "/packages/", "kind": "status", "status": 502}`); code != http.StatusNoContent {
		t.Fatalf("POST /faults: %d %s", code, body)
	}
	if resp, _ := get(t, u.FilesURL()+path, nil); resp.StatusCode != 502 {
		t.Errorf("file with a 502 rule: %d", resp.StatusCode)
	}
	get(t, u.IndexURL()+"projecta/", nil)
	get(t, u.IndexURL()+"projecta/", nil)
	code, body := do("GET", "/counts", "")
	var counts map[string]map[string]int
	if err := json.Unmarshal([]byte(body), &counts); code != 200 || err != nil {
		t.Fatalf("GET /counts: %d %v %s", code, err, body)
	}
	if counts["files"][path] != 1 || counts["index"]["/simple/projecta/"] != 2 {
		t.Errorf("counts %v", counts)
	}

	if code, _ := do("DELETE", "/faults", ""); code != http.StatusNoContent {
		t.Errorf("DELETE /faults: %d", code)
	}
	if resp, _ := get(t, u.FilesURL()+path, nil); resp.StatusCode != 200 {
		t.Errorf("file after the rules were removed: %d", resp.StatusCode)
	}
	if code, _ := do("DELETE", "/counts", ""); code != http.StatusNoContent || u.Requests(IndexHost, "") != 0 {
		t.Errorf("DELETE /counts: %d, %d index requests left", code, u.Requests(IndexHost, ""))
	}

	for _, bad := range []string{`{"kind": "nonsense"}`, `{"host": "cdn"}`, `{"delay": "soon"}`, `{"status": 42}`, `{"colour": "red"}`, `not json`} {
		if code, _ := do("POST", "/faults", bad); code != http.StatusBadRequest {
			t.Errorf("POST /faults %s: %d, want 400", bad, code)
		}
	}
	if resp, _ := get(t, u.FilesURL()+path, nil); resp.StatusCode != 200 {
		t.Errorf("a refused rule was added: %d", resp.StatusCode)
	}
}
