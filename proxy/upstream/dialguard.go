package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"
)

// ErrForbiddenAddress is a connection to a loopback, private, link-local or
// otherwise special address refused because the upstream index itself is
// not on such an address.
var ErrForbiddenAddress = errors.New("address not allowed for upstream requests")

// addrClass is the kind of network an address belongs to.
type addrClass int

const (
	classPublic addrClass = iota
	classLoopback
	classPrivate   // RFC 1918, fc00::/7, 100.64.0.0/10
	classLinkLocal // 169.254.0.0/16 (cloud metadata), fe80::/10
	classSpecial   // unspecified, multicast
)

func classify(ip netip.Addr) addrClass {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		return classLoopback
	case ip.IsLinkLocalUnicast():
		return classLinkLocal
	case ip.IsPrivate(), netip.MustParsePrefix("100.64.0.0/10").Contains(ip):
		return classPrivate
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast(), ip.IsLinkLocalMulticast():
		return classSpecial
	}
	return classPublic
}

// dialGuard checks the address every upstream connection really goes to:
// it resolves the name itself and dials the checked IP, so DNS rebinding
// cannot slip a loopback or metadata address past it. Public addresses are
// always allowed; a non-public class only when the index host itself
// resolves into it (a private index may fetch from its own network).
type dialGuard struct {
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	indexHost string
	bypass    map[string]bool // outbound HTTP proxies: dialed as configured

	mu      sync.Mutex
	allowed map[addrClass]bool // nil until the index host resolved
}

// guardTransport installs a dialGuard on t (a clone), for an index at index.
func guardTransport(t *http.Transport, index *url.URL, tr *trust) *http.Transport {
	t = t.Clone()
	g := &dialGuard{dial: t.DialContext, indexHost: index.Hostname(), bypass: map[string]bool{}}
	if g.dial == nil {
		g.dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	if t.Proxy != nil {
		for _, hp := range tr.dialTargets() {
			for _, scheme := range []string{"http", "https"} {
				p, err := t.Proxy(&http.Request{URL: &url.URL{Scheme: scheme, Host: hp}})
				if err == nil && p != nil {
					g.bypass[net.JoinHostPort(p.Hostname(), portOr(p))] = true
				}
			}
		}
	}
	t.DialContext = g.DialContext
	return t
}

func portOr(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return defaultPort(u.Scheme)
}

// DialContext resolves addr, refuses the addresses the policy forbids and
// dials the first allowed one that answers.
func (g *dialGuard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.bypass[addr] {
		return g.dial(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	allowed, err := g.indexClasses(ctx)
	if err != nil {
		return nil, err
	}
	ips, err := lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	var firstErr error
	for _, ip := range ips {
		if c := classify(ip); c != classPublic && !allowed[c] {
			firstErr = cmpErr(firstErr, fmt.Errorf("%s (%s): %w", addr, ip, ErrForbiddenAddress))
			continue
		}
		conn, err := g.dial(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		firstErr = cmpErr(firstErr, err)
	}
	return nil, firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// indexClasses is the set of address classes the index host is in.
func (g *dialGuard) indexClasses(ctx context.Context) (map[addrClass]bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.allowed != nil {
		return g.allowed, nil
	}
	ips, err := lookup(ctx, g.indexHost)
	if err != nil {
		return nil, err
	}
	g.allowed = map[addrClass]bool{}
	for _, ip := range ips {
		g.allowed[classify(ip)] = true
	}
	return g.allowed, nil
}

// lookup resolves host (an IP literal resolves to itself).
func lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
