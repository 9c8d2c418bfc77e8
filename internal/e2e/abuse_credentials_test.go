package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestNoCredentialsInClear (issue 12, item 4): an https index with
// credentials whose page links a file over http:// on its own host and
// port, and another through an https -> http redirect. The proxy may fetch
// them without credentials, but the plain-HTTP side must never see the
// Authorization header; the TLS side does get it.
func TestNoCredentialsInClear(t *testing.T) {
	idx := newDualIndex(t)
	p := startProxy(t, "--upstream", "https://alice:s3cret@"+idx.addr+"/simple/", "--ca-file", idx.caFile,
		"--cache-dir", t.TempDir(), "--upstream-retries", "0")
	code, body, _ := boundedGet(t, p.URL+"/simple/demo/", time.Minute, "Accept", "application/vnd.pypi.simple.v1+json")
	if code != 200 {
		t.Fatalf("demo's page through the proxy: %d %.300s", code, body)
	}
	var page struct {
		Files []struct{ Filename, URL string }
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Files) != 2 {
		t.Fatalf("demo's page: %v, %.300s", err, body)
	}
	base, _ := url.Parse(p.URL + "/simple/demo/")
	for _, f := range page.Files {
		link, err := base.Parse(f.URL)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := tryGet(link.String())
		t.Logf("%s through the proxy: %d", f.Filename, code)
	}
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if idx.plainRequests == 0 {
		t.Fatal("the proxy never went to the plain-HTTP side: the test proves nothing")
	}
	if len(idx.plainAuth) > 0 {
		t.Errorf("credentials sent in clear: %q", idx.plainAuth)
	}
	if !idx.tlsAuthed {
		t.Error("the index never got the credentials over TLS")
	}
}

// dualIndex serves TLS and plain HTTP on one port (the first byte of a
// connection decides), as an index host that also answers http:// would.
type dualIndex struct {
	addr, caFile  string
	mu            sync.Mutex
	plainRequests int
	plainAuth     []string
	tlsAuthed     bool
}

func newDualIndex(t *testing.T) *dualIndex {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &dualIndex{addr: ln.Addr().String()}
	cert, caFile := selfSigned(t)
	d.caFile = caFile
	tlsLn, plainLn := newChanListener(ln.Addr()), newChanListener(ln.Addr())
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				tlsLn.close()
				plainLn.close()
				return
			}
			go d.route(c, cert, tlsLn, plainLn)
		}
	}()
	tlsSrv := &http.Server{Handler: http.HandlerFunc(d.serveTLS)}
	plainSrv := &http.Server{Handler: http.HandlerFunc(d.servePlain)}
	go tlsSrv.Serve(tlsLn)
	go plainSrv.Serve(plainLn)
	t.Cleanup(func() { ln.Close(); tlsSrv.Close(); plainSrv.Close() })
	return d
}

// route hands a connection to the TLS or the plain server.
func (d *dualIndex) route(c net.Conn, cert tls.Certificate, tlsLn, plainLn *chanListener) {
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		c.Close()
		return
	}
	conn := &peekedConn{Conn: c, r: br}
	if first[0] == 0x16 { // a TLS handshake record
		tlsLn.push(tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}}))
		return
	}
	plainLn.push(conn)
}

func (d *dualIndex) serveTLS(w http.ResponseWriter, r *http.Request) {
	if u, pw, ok := r.BasicAuth(); !ok || u != "alice" || pw != "s3cret" {
		w.Header().Set("WWW-Authenticate", `Basic realm="index"`)
		http.Error(w, "credentials needed", http.StatusUnauthorized)
		return
	}
	d.mu.Lock()
	d.tlsAuthed = true
	d.mu.Unlock()
	switch r.URL.Path {
	case "/simple/demo/":
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		fmt.Fprintf(w, `{"meta":{"api-version":"1.1"},"name":"demo","files":[%s,%s]}`,
			fileEntry("plain", "http://"+d.addr+"/packages/aa/bb/plain/demo-plain.tar.gz"),
			fileEntry("redirected", "https://"+d.addr+"/redirect/demo-redirected.tar.gz"))
	case "/redirect/demo-redirected.tar.gz":
		http.Redirect(w, r, "http://"+d.addr+"/packages/aa/bb/redirected/demo-redirected.tar.gz", http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

func (d *dualIndex) servePlain(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.plainRequests++
	if a := r.Header.Get("Authorization"); a != "" {
		d.plainAuth = append(d.plainAuth, r.URL.Path+": "+a)
	}
	d.mu.Unlock()
	w.Write(fileBody(r.URL.Path))
}

func fileBody(path string) []byte { return []byte("content of " + filepath.Base(path)) }

// fileEntry is a PEP 691 file whose sha256 matches what servePlain sends.
func fileEntry(name, url string) string {
	sum := sha256.Sum256(fileBody("demo-" + name + ".tar.gz"))
	return fmt.Sprintf(`{"filename":"demo-%s.tar.gz","url":%q,"hashes":{"sha256":%q}}`, name, url, hex.EncodeToString(sum[:]))
}

// selfSigned makes a certificate for 127.0.0.1 and writes it as the CA file
// the proxy trusts.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dual index"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// peekedConn reads through the buffer that peeked at its first byte.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener is a net.Listener fed connections by route.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) close()         { l.once.Do(func() { close(l.done) }) }
func (l *chanListener) Close() error   { l.close(); return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }
