package prefetch_test

import (
	"strings"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// TestMirrorPrivateTLSIndex: a private index over TLS (a private CA) that
// wants Basic credentials. The XML-RPC changelog goes through the index's
// own client, with its CA and credentials, so the pass follows XML-RPC
// and completes (a separate plain client failed on the certificate, and
// then on the missing credentials).
func TestMirrorPrivateTLSIndex(t *testing.T) {
	e := newEnv(t, fakepypi.Options{TLS: true, Username: "mirror", Password: "s3cret"})
	fakepypi.PublishDemo(e.up)
	ca, err := e.up.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.client = func(c *upstream.Config) { c.CAFile, c.Username, c.Password = ca, "mirror", "s3cret" }
	st := e.sync()
	if st.Source != "xmlrpc" || st.Projects != 4 || len(st.Failed) != 0 {
		t.Fatalf("pass over a private TLS index: %+v", st)
	}
	e.checkProject("projecta", 6)

	// Without the credentials the index answers 401: an error that names
	// it, not "no XML-RPC here" and a silent switch to another source.
	e2 := newEnv(t, fakepypi.Options{TLS: true, Username: "mirror", Password: "s3cret"})
	fakepypi.PublishDemo(e2.up)
	ca2, _ := e2.up.WriteCAFile(t.TempDir())
	e2.client = func(c *upstream.Config) { c.CAFile = ca2 }
	st2, err := e2.trySync()
	if err == nil || !strings.Contains(err.Error(), "401") || st2.Projects != 0 {
		t.Fatalf("pass without credentials: %+v, %v; want a failure", st2, err)
	}
}
