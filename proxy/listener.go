package proxy

import (
	"io"
	"net"
	"sync"
)

// ConnLimits cap the connections a listener holds open. Zero is unlimited.
type ConnLimits struct {
	// Max is the most connections open at once.
	Max int
	// PerIP is the most connections open at once from one client address.
	PerIP int
}

// LimitListener wraps ln so that it never holds more connections than
// limits allow: a connection over a limit is accepted and closed at once
// (the client sees the connection close; nothing is queued, no descriptor
// is held), so a flood of idle or slow clients cannot exhaust descriptors
// for everyone else.
func LimitListener(ln net.Listener, limits ConnLimits) *Listener {
	return &Listener{Listener: ln, limits: limits, perIP: map[string]int{}}
}

// Listener is a net.Listener under ConnLimits.
type Listener struct {
	net.Listener
	limits ConnLimits

	mu     sync.Mutex
	open   int
	perIP  map[string]int
	change chan struct{} // closed and replaced whenever open changes
}

// Accept returns the next connection within the limits.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		if l.admit(ip) {
			return &limitedConn{Conn: c, l: l, ip: ip}, nil
		}
		refusedConns.Inc()
		c.Close()
	}
}

func (l *Listener) admit(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if (l.limits.Max > 0 && l.open >= l.limits.Max) || (l.limits.PerIP > 0 && l.perIP[ip] >= l.limits.PerIP) {
		return false
	}
	l.open++
	l.perIP[ip]++
	l.notifyLocked()
	return true
}

func (l *Listener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
	l.notifyLocked()
}

func (l *Listener) notifyLocked() {
	if l.change != nil {
		close(l.change)
		l.change = nil
	}
}

// Open reports the connections open now, and a channel closed at the next
// change (for tests and status pages that wait for an event).
func (l *Listener) Open() (int, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.change == nil {
		l.change = make(chan struct{})
	}
	return l.open, l.change
}

func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitedConn gives its slot back once, on Close.
type limitedConn struct {
	net.Conn
	l    *Listener
	ip   string
	once sync.Once
}

// ReadFrom keeps the connection's sendfile and splice reachable: net/http
// looks for it on the connection it serves, and an embedded net.Conn
// hides it (every response body would go through a 32 KiB buffer).
func (c *limitedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
