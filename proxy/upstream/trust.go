package upstream

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrUntrustedHost is a file URL on a host the upstream is not trusted to
// send the proxy to: SSRF through a page's links is refused before any
// connection is made.
var ErrUntrustedHost = errors.New("file host not trusted")

// trust is the upstream trust policy for files: the index's own host and
// the file hosts it is configured to trust, nothing else.
type trust struct {
	// exact holds "host:port" entries that match only that port; anyPort
	// holds hosts given without a port, which match the default port of
	// either scheme (http://h and https://h are the same host).
	exact   map[string]bool
	anyPort map[string]bool
}

// DefaultTrustedFileHosts are the file hosts trusted for an index when
// none are configured: files.pythonhosted.org for pypi.org, none otherwise
// (an index's own host is always trusted).
func DefaultTrustedFileHosts(index *url.URL) []string {
	switch strings.ToLower(index.Hostname()) {
	case "pypi.org", "www.pypi.org":
		return []string{"files.pythonhosted.org"}
	case "test.pypi.org":
		return []string{"test-files.pythonhosted.org"}
	}
	return nil
}

// newTrust builds the policy from the index URL, its default trusted file
// hosts and the configured ones ("host" or "host:port"), which add to the
// defaults (with several indexes, one list serves them all).
func newTrust(index *url.URL, hosts []string) (*trust, error) {
	hosts = append(DefaultTrustedFileHosts(index), hosts...)
	t := &trust{exact: map[string]bool{}, anyPort: map[string]bool{}}
	t.add(index.Host)
	for _, h := range hosts {
		if strings.ContainsAny(h, "/@?# ") || h == "" {
			return nil, fmt.Errorf("trusted file host %q: want host or host:port", h)
		}
		t.add(h)
	}
	return t, nil
}

func (t *trust) add(hostport string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil { // no port
		t.anyPort[strings.ToLower(strings.Trim(hostport, "[]"))] = true
		return
	}
	t.exact[net.JoinHostPort(strings.ToLower(host), port)] = true
}

// allows reports whether a file may be fetched from u.
func (t *trust) allows(u *url.URL) bool {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
		if t.anyPort[host] {
			return true
		}
	} else if (port == "80" || port == "443") && t.anyPort[host] {
		return true
	}
	return t.exact[net.JoinHostPort(host, port)]
}

// dialTargets lists the "host:port" addresses the trusted hosts dial.
func (t *trust) dialTargets() []string {
	var out []string
	for hp := range t.exact {
		out = append(out, hp)
	}
	for h := range t.anyPort {
		out = append(out, net.JoinHostPort(h, "80"), net.JoinHostPort(h, "443"))
	}
	return out
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// checkFileURL refuses a file URL the trust policy does not allow.
func (t *trust) checkFileURL(u *url.URL) error {
	if !t.allows(u) {
		return &Error{Kind: KindBadResponse, URL: u.String(), Err: fmt.Errorf("%w: %s", ErrUntrustedHost, u.Host)}
	}
	return nil
}
