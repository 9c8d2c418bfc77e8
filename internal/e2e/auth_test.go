package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

// writeHtpasswd writes user:bcrypt lines for users (user -> password).
func writeHtpasswd(t *testing.T, users map[string]string) string {
	t.Helper()
	var lines []string
	for user, pw := range users {
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, user+":"+string(hash))
	}
	file := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// getAs is a GET with optional basic-auth credentials.
func getAs(t *testing.T, url, user, pw string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPipAuthPrivateIndex(t *testing.T) {
	requirePip(t)
	private, public := twoIndexes(t)
	htpasswd := writeHtpasswd(t, map[string]string{"alice": "s3cret", "bob": "hunter2"})
	p := startProxy(t, "--cache-dir", t.TempDir(), "--index", "private="+private.IndexURL(), "--index", "pypi="+public.IndexURL(), "--trusted-file-host", private.FilesHost(), "--trusted-file-host", public.FilesHost(),
		"--auth-htpasswd", htpasswd, "--auth-group", "team=alice", "--index-readers", "private=@team", "--metrics-readers", "alice")
	host := strings.TrimPrefix(p.URL, "http://")
	index := p.URL + "/simple/"

	t.Run("anonymous: private project invisible and uninstallable", func(t *testing.T) {
		hidden, hiddenBody := getAs(t, index+"acme-lib/", "", "")
		missing, missingBody := getAs(t, index+"no-such-project/", "", "")
		if hidden.StatusCode != 404 || hiddenBody != missingBody || hidden.Header.Get("Cache-Control") != missing.Header.Get("Cache-Control") {
			t.Errorf("hidden %d %q %q, missing %d %q %q", hidden.StatusCode, hiddenBody, hidden.Header.Get("Cache-Control"),
				missing.StatusCode, missingBody, missing.Header.Get("Cache-Control"))
		}
		if _, root := getAs(t, index, "", ""); strings.Contains(root, "acme-lib") || !strings.Contains(root, "projectb") {
			t.Errorf("anonymous root:\n%s", root)
		}
		out, err := fakepypi.PipCommand(t.TempDir(), "install", "--target", t.TempDir(), "--index-url", index,
			"--no-cache-dir", "--retries", "0", "acme-lib").CombinedOutput()
		if err == nil {
			t.Errorf("anonymous pip installed acme-lib:\n%s", out)
		}
		dir := t.TempDir()
		pip(t, index, "install", "--target", dir, "projectb")
		if got := installed(t, dir); !slices.Equal(got, []string{"projectb-1.0"}) {
			t.Errorf("anonymous public install: %v", got)
		}
	})
	t.Run("credentials in the index URL", func(t *testing.T) {
		dir := t.TempDir()
		pip(t, "http://alice:s3cret@"+host+"/simple/", "install", "--target", dir, "acme-lib")
		if got := installed(t, dir); !slices.Equal(got, []string{"acme_lib-1.0"}) {
			t.Errorf("installed %v", got)
		}
		resp, root := getAs(t, index, "alice", "s3cret")
		if !strings.Contains(root, "acme-lib") || !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
			t.Errorf("alice's root: %q\n%s", resp.Header.Get("Cache-Control"), root)
		}
		if resp, _ := getAs(t, index+"acme-lib/", "alice", "s3cret"); !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
			t.Errorf("private page Cache-Control %q", resp.Header.Get("Cache-Control"))
		}
	})
	t.Run("credentials in netrc", func(t *testing.T) {
		home := t.TempDir()
		netrc := "machine 127.0.0.1 login alice password s3cret\n"
		if err := os.WriteFile(filepath.Join(home, ".netrc"), []byte(netrc), 0o600); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		out, err := fakepypi.PipCommand(home, "install", "--target", dir, "--index-url", index, "--no-cache-dir", "acme-lib").CombinedOutput()
		if got := installed(t, dir); err != nil || !slices.Equal(got, []string{"acme_lib-1.0"}) {
			t.Errorf("netrc install %v: %v\n%s", got, err, out)
		}
	})
	t.Run("a user outside the group sees no private project", func(t *testing.T) {
		if resp, _ := getAs(t, index+"acme-lib/", "bob", "hunter2"); resp.StatusCode != 404 {
			t.Errorf("bob reads acme-lib: %d", resp.StatusCode)
		}
		if resp, _ := getAs(t, p.URL+"/metrics", "bob", "hunter2"); resp.StatusCode != 403 {
			t.Errorf("bob reads /metrics: %d", resp.StatusCode)
		}
		if resp, body := getAs(t, p.URL+"/metrics", "alice", "s3cret"); resp.StatusCode != 200 ||
			!strings.Contains(body, `pypi_proxy_policy_decisions_total{rule="read_denied"}`) {
			t.Errorf("alice reads /metrics: %d", resp.StatusCode)
		}
	})
	t.Run("wrong password: 401, then rate limited", func(t *testing.T) {
		out, err := fakepypi.PipCommand(t.TempDir(), "install", "--target", t.TempDir(), "--index-url",
			"http://alice:wrong@"+host+"/simple/", "--no-cache-dir", "--retries", "0", "projectb").CombinedOutput()
		if err == nil {
			t.Errorf("pip with a wrong password installed:\n%s", out)
		}
		resp, _ := getAs(t, index, "alice", "wrong")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="pypi-proxy"` {
			t.Errorf("wrong password: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		for i := 0; i < 5; i++ {
			resp, _ = getAs(t, index, "alice", "wrong")
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("after repeated failures: %d, want 429", resp.StatusCode)
		}
		if strings.Contains(p.logs.String(), "wrong") || !strings.Contains(p.logs.String(), "login failed") {
			t.Errorf("failed logins not logged, or logged with the secret:\n%s", p.logs)
		}
	})
}
