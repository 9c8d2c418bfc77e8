package proxy

import (
	"os"
	"path/filepath"
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
