package fakepypi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Hostile upstreams: the faults a malicious or broken index may commit on
// purpose, for the hardening tests.
const (
	// FaultOversize sends the body chunked (no Content-Length) followed by
	// as many excess bytes again as the body has, and more: 1 MiB of them.
	FaultOversize FaultKind = FaultHoldBody + 1 + iota
	// FaultTrickle sends the headers at once, then the body one byte every
	// Fault.Delay (default 1s), flushing each byte.
	FaultTrickle
	// FaultRedirect answers 302 to Fault.Location.
	FaultRedirect
)

var hostileNames = map[FaultKind]string{FaultOversize: "oversize", FaultTrickle: "trickle", FaultRedirect: "redirect"}

// oversizeExcess is what FaultOversize sends past the real body.
const oversizeExcess = 1 << 20

// applyHostile serves r through h, broken as a hostile upstream would.
func (u *Upstream) applyHostile(f Fault, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	switch f.Kind {
	case FaultOversize:
		rec := record(h, r)
		copyHeader(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		chunk := []byte(strings.Repeat("X", 64<<10))
		for sent := 0; sent < oversizeExcess; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case FaultTrickle:
		rec := record(h, r)
		copyHeader(w.Header(), rec.Header())
		body := rec.Body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		rc := http.NewResponseController(w)
		rc.Flush()
		delay := f.Delay
		if delay <= 0 {
			delay = time.Second
		}
		for i := range body {
			if _, err := w.Write(body[i : i+1]); err != nil {
				return
			}
			rc.Flush()
			if !u.sleep(r, delay) {
				return
			}
		}
	case FaultRedirect:
		http.Redirect(w, r, f.Location, http.StatusFound)
	default:
		http.Error(w, "fakepypi: unknown fault "+f.Kind.String(), http.StatusInternalServerError)
	}
}
