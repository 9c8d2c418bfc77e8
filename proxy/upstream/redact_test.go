package upstream

import (
	"strings"
	"testing"
)

// TestErrorsRedactCredentials: credentials inside a file URL a page gave
// appear in no error (the 502 body and the logs are made from it).
func TestErrorsRedactCredentials(t *testing.T) {
	c, err := New(Config{IndexURL: "http://127.0.0.1:1/simple/", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{
		"http://bob:hunter2@127.0.0.1:1/packages/x.whl",    // trusted host, refused connection
		"http://bob:hunter2@evil.example:1/packages/x.whl", // untrusted host
	} {
		_, _, err := c.OpenFile(t.Context(), link)
		if err == nil {
			t.Fatalf("%s: no error", link)
		}
		if msg := err.Error(); strings.Contains(msg, "hunter2") || strings.Contains(msg, "bob") {
			t.Errorf("error shows the credentials: %s", msg)
		}
	}
}
