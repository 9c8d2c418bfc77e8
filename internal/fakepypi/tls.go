package fakepypi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// privateCA is a throwaway certificate authority and the one server
// certificate it signed, for 127.0.0.1 and localhost: an upstream only a
// client given the CA file trusts.
type privateCA struct {
	caPEM []byte
	cert  tls.Certificate
}

func newPrivateCA() (*privateCA, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fakepypi test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "fakepypi"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	return &privateCA{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		cert:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
	}, nil
}

// listen wraps ln to serve TLS with the CA's server certificate.
func (c *privateCA) listen(ln net.Listener) net.Listener {
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{c.cert}, MinVersion: tls.VersionTLS12})
}

// WriteCAFile writes the PEM of the CA that signed the upstream's TLS
// certificate into dir and returns its path ("" when the Upstream is not TLS).
func (u *Upstream) WriteCAFile(dir string) (string, error) {
	if u.ca == nil {
		return "", nil
	}
	p := filepath.Join(dir, "fakepypi-ca.pem")
	return p, os.WriteFile(p, u.ca.caPEM, 0o644)
}

// scheme is the URL scheme both hosts answer on.
func (u *Upstream) scheme() string {
	if u.ca != nil {
		return "https"
	}
	return "http"
}

// authorized checks the index host's Basic credentials, when set.
func (u *Upstream) authorized(r *http.Request) bool {
	if u.opts.Username == "" {
		return true
	}
	user, pass, ok := r.BasicAuth()
	return ok && user == u.opts.Username && pass == u.opts.Password
}
