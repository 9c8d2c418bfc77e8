package fakepypi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// page is a rendered index response with its validators.
type page struct {
	body         []byte
	etag         string // computed from body when empty
	contentType  string
	serial       int64
	lastModified time.Time
	cacheControl string
	vary         bool
}

// write sends p, answering 304 when If-None-Match or If-Modified-Since says the client has it.
func (p page) write(w http.ResponseWriter, r *http.Request) {
	etag := p.etag
	if etag == "" {
		etag = etagOf(p.body)
	}
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", p.lastModified.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", p.cacheControl)
	h.Set("X-PyPI-Last-Serial", strconv.FormatInt(p.serial, 10))
	if p.vary {
		h.Set("Vary", "Accept")
	}
	if notModified(r, etag, p.lastModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", p.contentType)
	h.Set("Content-Length", strconv.Itoa(len(p.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(p.body)
	}
}

func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// notModified evaluates If-None-Match (weak comparison, "*" matches) or, without it, If-Modified-Since.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil {
			return !modified.Truncate(time.Second).After(t)
		}
	}
	return false
}

// notFound answers 404 the way PyPI does for an unknown project or file.
func notFound(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "max-age=60, public")
	http.Error(w, "404 Not Found", http.StatusNotFound)
}

// redirect answers 301 to target, keeping the query string.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", target)
	w.Header().Set("Cache-Control", "max-age=600, public")
	w.WriteHeader(http.StatusMovedPermanently)
}
