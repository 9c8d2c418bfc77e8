package fakepypi

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind selects what a Fault does to a matching request.
type FaultKind int

const (
	// FaultStatus answers with Fault.Status (503 when 0) and a short text body.
	FaultStatus FaultKind = iota
	// FaultDown hijacks the connection and closes it at once: no response at all.
	FaultDown
	// FaultReset sends the headers and half of the body, then closes with a TCP RST (SetLinger(0)).
	FaultReset
	// FaultTruncate declares the full Content-Length, sends half the body and closes normally.
	FaultTruncate
	// FaultCorrupt sends the full length with one byte of the body flipped (the hash no longer matches).
	FaultCorrupt
	// FaultSlow waits Fault.Delay before responding normally.
	FaultSlow
	// FaultStall sends the headers and half the body, then hangs until the client goes away,
	// Fault.Delay passes (0 = no limit) or the Upstream closes; then closes the connection.
	FaultStall
	// FaultStale serves an index page one serial behind the current one (X-PyPI-Last-Serial and
	// the page's _last-serial lowered by one), as a lagging CDN node would.
	FaultStale
	// FaultHold holds the request until the rule's Gate is released (see Upstream.Hold); set
	// without a gate (SetFault), it holds until the client goes away or the Upstream closes.
	FaultHold
	// FaultHoldBody sends the status, the headers (with the full Content-Length) and half the
	// body, then holds the rest like FaultHold (see Upstream.HoldBody): a download in progress
	// for as long as a test needs one.
	FaultHoldBody
)

// String names the kind.
func (k FaultKind) String() string {
	names := []string{"status", "down", "reset", "truncate", "corrupt", "slow", "stall", "stale", "hold", "hold body"}
	if int(k) < len(names) {
		return names[k]
	}
	if n, ok := hostileNames[k]; ok {
		return n
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// Fault is a rule that breaks matching requests.
type Fault struct {
	// Host and PathPrefix select requests ("" = every path on that host).
	Host       Host
	PathPrefix string
	// Kind is what happens; the zero value is FaultStatus.
	Kind FaultKind
	// Status is the code for FaultStatus (default 503).
	Status int
	// Delay is the wait for FaultSlow and the maximum hang for FaultStall.
	Delay time.Duration
	// Location is where FaultRedirect sends the client.
	Location string
	// Times applies the fault to the next Times matching requests only; 0 = until ClearFaults.
	Times int
	// After lets the first After matching requests through (to later rules, or unharmed): the
	// fault starts with the next one.
	After int

	gate *Gate // FaultHold's and FaultHoldBody's gate; set by Upstream.HoldFault
}

type faultRule struct {
	f    Fault
	left int
	skip int // requests still to let through (Fault.After)
}

// faultSet holds the active rules; the first matching rule wins.
type faultSet struct {
	mu    sync.Mutex
	rules []*faultRule
}

// take returns the first rule matching the request, consuming one use of it.
func (s *faultSet) take(h Host, path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.rules {
		if r.f.Host != h || !strings.HasPrefix(path, r.f.PathPrefix) {
			continue
		}
		if r.skip > 0 {
			r.skip--
			continue
		}
		if r.f.Times > 0 {
			r.left--
			if r.left <= 0 {
				s.rules = append(s.rules[:i:i], s.rules[i+1:]...)
			}
		}
		return r.f, true
	}
	return Fault{}, false
}

// SetFault adds a fault rule. Rules are checked in the order added.
func (u *Upstream) SetFault(f Fault) {
	u.faults.mu.Lock()
	u.faults.rules = append(u.faults.rules, &faultRule{f: f, left: f.Times, skip: f.After})
	u.faults.mu.Unlock()
}

// ClearFaults removes every fault rule.
func (u *Upstream) ClearFaults() {
	u.faults.mu.Lock()
	u.faults.rules = nil
	u.faults.mu.Unlock()
}

// applyFault serves r through h, broken as f says.
func (u *Upstream) applyFault(f Fault, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	switch f.Kind {
	case FaultStatus:
		code := f.Status
		if code == 0 {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "fakepypi: injected fault: "+http.StatusText(code), code)
	case FaultDown:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	case FaultHold:
		if u.wait(f.gate, r) {
			h(w, r)
		}
	case FaultHoldBody:
		u.holdBody(f.gate, w, r, h)
	case FaultSlow:
		if !u.sleep(r, f.Delay) {
			return
		}
		h(w, r)
	case FaultCorrupt:
		rec := record(h, r)
		body := rec.Body.Bytes()
		if len(body) > 0 {
			body[len(body)/2] ^= 0xff
		}
		copyHeader(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		w.Write(body)
	case FaultStale:
		r = r.Clone(r.Context())
		r.Header.Del("If-None-Match")
		r.Header.Del("If-Modified-Since")
		rec := record(h, r)
		copyHeader(w.Header(), rec.Header())
		body := lowerSerials(rec.Body.Bytes())
		if s, err := strconv.ParseInt(rec.Header().Get("X-PyPI-Last-Serial"), 10, 64); err == nil {
			w.Header().Set("X-PyPI-Last-Serial", strconv.FormatInt(s-1, 10))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Del("ETag") // no validator: a revalidation must not turn the stale copy current
		w.Header().Del("Last-Modified")
		w.WriteHeader(rec.Code)
		w.Write(body)
	case FaultReset, FaultTruncate, FaultStall:
		u.breakConn(f, w, r, record(h, r))
	default:
		u.applyHostile(f, w, r, h)
	}
}

var serialMarks = regexp.MustCompile(`("_last-serial":\s*|<!--SERIAL )(\d+)`)

// lowerSerials lowers every serial a page body carries by one.
func lowerSerials(body []byte) []byte {
	return serialMarks.ReplaceAllFunc(body, func(m []byte) []byte {
		sub := serialMarks.FindSubmatch(m)
		n, _ := strconv.ParseInt(string(sub[2]), 10, 64)
		return append(append([]byte(nil), sub[1]...), strconv.FormatInt(n-1, 10)...)
	})
}

// sleep waits d, or until the client or the Upstream goes away (then it returns false).
func (u *Upstream) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-u.done:
	}
	return false
}

// record runs h into a recorder so a fault can cut its response.
func record(h http.HandlerFunc, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h(rec, r)
	return rec
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// breakConn hijacks the connection, writes the status, headers (with the full Content-Length)
// and half the body, then resets, closes or stalls as f.Kind says.
func (u *Upstream) breakConn(f Fault, w http.ResponseWriter, r *http.Request, rec *httptest.ResponseRecorder) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	body := rec.Body.Bytes()
	hdr := rec.Header().Clone()
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("Connection", "close")
	bw := bufio.NewWriter(conn)
	bw.WriteString("HTTP/1.1 " + strconv.Itoa(rec.Code) + " " + http.StatusText(rec.Code) + "\r\n")
	hdr.Write(bw)
	bw.WriteString("\r\n")
	if r.Method != http.MethodHead {
		bw.Write(body[:len(body)/2])
	}
	bw.Flush()
	switch f.Kind {
	case FaultReset:
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
	case FaultStall:
		u.stall(conn, f.Delay)
	}
}

// stall waits until the peer closes conn, d passes (0 = forever) or the Upstream closes.
func (u *Upstream) stall(conn net.Conn, d time.Duration) {
	gone := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn)
		close(gone)
	}()
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-gone:
	case <-timeout:
	case <-u.done:
	}
}
