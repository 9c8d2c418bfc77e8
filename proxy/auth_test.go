package proxy

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestCredentialsReloadOnChange(t *testing.T) {
	file := filepath.Join(t.TempDir(), "htpasswd")
	write := func(user, pw string) {
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte("# users\n"+user+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("alice", "one")
	cr := &credentials{file: file}
	for _, tc := range []struct {
		user, pw string
		want     bool
	}{{"alice", "one", true}, {"alice", "one", true}, {"alice", "two", false}, {"bob", "one", false}} {
		if ok, err := cr.check(tc.user, tc.pw); ok != tc.want || err != nil {
			t.Errorf("%s/%s: %v %v", tc.user, tc.pw, ok, err)
		}
	}
	write("carol", "three-longer") // a different size: seen as changed even within the same mtime tick
	if ok, _ := cr.check("alice", "one"); ok {
		t.Error("alice still accepted after the file dropped her (remembered secret not cleared)")
	}
	if ok, _ := cr.check("carol", "three-longer"); !ok {
		t.Error("carol not accepted after reload")
	}
	if err := os.WriteFile(file, []byte("dave:plaintext\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cr.check("dave", "plaintext"); err == nil {
		t.Error("a non-bcrypt hash was accepted")
	}
}

func TestNoAnonymousIndexAsksForCredentials(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	file := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(file, []byte("alice:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Index: h.idx, Auth: &AuthConfig{HtpasswdFile: file, Readers: map[string][]string{"upstream": {"alice"}}}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, user string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if user != "" {
			req.SetBasicAuth(user, "pw")
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		return w
	}
	if w := get("/simple/projecta/", ""); w.Code != 401 || w.Header().Get("WWW-Authenticate") != `Basic realm="pypi-proxy"` {
		t.Errorf("anonymous: %d %v", w.Code, w.Header())
	}
	if w := get("/status", ""); w.Code != 401 {
		t.Errorf("anonymous status page (it names recent downloads): %d", w.Code)
	}
	if w := get("/status", "alice"); w.Code != 200 {
		t.Errorf("alice's status page: %d", w.Code)
	}
	if w := get("/healthz", ""); w.Code != 200 {
		t.Errorf("healthz behind auth: %d", w.Code)
	}
	w := get("/simple/projecta/", "alice")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "private") {
		t.Errorf("alice: %d %q", w.Code, w.Header().Get("Cache-Control"))
	}
	if w := get("/simple/", "alice"); w.Code != 200 || !strings.Contains(w.Body.String(), "projecta") {
		t.Errorf("alice's root: %d", w.Code)
	}
}
