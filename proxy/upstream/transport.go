package upstream

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

// authTransport adds credentials to requests for the index host only: a
// page can link files anywhere, and credentials must not follow it there.
// With an https index they never go over plain HTTP (an https->http
// redirect or an http:// link on the same host gets none).
type authTransport struct {
	host, scheme       string
	username, password string
	token              string
	next               http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	plain := t.scheme == "https" && req.URL.Scheme != "https"
	if req.URL.Host != t.host || plain || (t.username == "" && t.token == "") {
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	} else {
		req.SetBasicAuth(t.username, t.password)
	}
	return t.next.RoundTrip(req)
}

// limited bounds next to n requests in flight (n <= 0: unbounded). The
// client keeps two such pools, pages and files, so that files never starve
// pages.
func limited(next http.RoundTripper, n int) http.RoundTripper {
	if n <= 0 {
		return next
	}
	return &limitTransport{slots: make(chan struct{}, n), next: next}
}

// limitTransport bounds the upstream requests in flight, body included:
// a slot is held until the response body is closed.
type limitTransport struct {
	slots chan struct{}
	next  http.RoundTripper
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case t.slots <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		<-t.slots
		return nil, err
	}
	release := func() { <-t.slots }
	// No body to wait for (a 304, a HEAD): free the slot now.
	if resp.Body == nil || resp.Body == http.NoBody || resp.StatusCode == http.StatusNotModified || req.Method == http.MethodHead {
		release()
		return resp, nil
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releasingBody frees its slot at EOF, on a read error or on Close,
// whichever comes first.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.release)
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// withCAFile returns a transport trusting the system roots plus the PEM
// certificates in file.
func withCAFile(t http.RoundTripper, file string) (http.RoundTripper, error) {
	ht, ok := t.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("a CA file needs an *http.Transport")
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificates found", file)
	}
	ht = ht.Clone()
	if ht.TLSClientConfig == nil {
		ht.TLSClientConfig = &tls.Config{}
	}
	ht.TLSClientConfig.RootCAs = pool
	return ht, nil
}
