package fakepypi

import (
	"net/http"
	"strings"
)

// serveIndex routes the index host: /simple/..., /pypi/<name>/json and XML-RPC at POST /pypi.
func (u *Upstream) serveIndex(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if (p == "/pypi" || p == "/pypi/" || p == "/RPC2") && u.opts.NoXMLRPC {
		notFound(w)
		return
	}
	if p == "/pypi" || p == "/pypi/" || p == "/RPC2" {
		if r.Method != http.MethodPost {
			http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		u.serveXMLRPC(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case p == "/simple":
		redirect(w, r, "/simple/")
	case p == "/simple/":
		u.serveSimpleRoot(w, r)
	case strings.HasPrefix(p, "/simple/"):
		u.serveSimpleProject(w, r, strings.TrimPrefix(p, "/simple/"))
	case strings.HasPrefix(p, "/pypi/"):
		u.serveJSONAPI(w, r, strings.TrimPrefix(p, "/pypi/"))
	default:
		notFound(w)
	}
}

// chooseMedia negotiates the simple API media type, answering 406 itself when ?format= is unknown.
func (u *Upstream) chooseMedia(w http.ResponseWriter, r *http.Request) (string, bool) {
	media, ok := negotiate(r.Header.Get("Accept"), r.URL.Query().Get("format"), u.opts.HTMLOnly)
	if !ok {
		http.Error(w, "406 Not Acceptable", http.StatusNotAcceptable)
	}
	return media, ok
}

func (u *Upstream) serveSimpleRoot(w http.ResponseWriter, r *http.Request) {
	media, ok := u.chooseMedia(w, r)
	if !ok {
		return
	}
	u.mu.RLock()
	pg := page{
		contentType:  media,
		serial:       u.serial,
		lastModified: SerialTime(u.serial),
		cacheControl: "max-age=600, public",
		vary:         true,
	}
	pg.body = u.renderRootLocked(media == MediaJSON)
	u.mu.RUnlock()
	pg.write(w, r)
}

func (u *Upstream) serveSimpleProject(w http.ResponseWriter, r *http.Request, rest string) {
	if !strings.HasSuffix(rest, "/") {
		redirect(w, r, "/simple/"+rest+"/")
		return
	}
	name := strings.TrimSuffix(rest, "/")
	if name == "" || strings.Contains(name, "/") {
		notFound(w)
		return
	}
	norm := Normalize(name)
	u.mu.RLock()
	p := u.projects[norm]
	if p == nil {
		u.mu.RUnlock()
		notFound(w)
		return
	}
	if name != norm {
		u.mu.RUnlock()
		redirect(w, r, "/simple/"+norm+"/")
		return
	}
	media, ok := u.chooseMedia(w, r)
	if !ok {
		u.mu.RUnlock()
		return
	}
	pg := page{
		contentType:  media,
		serial:       p.serial,
		lastModified: SerialTime(p.serial),
		cacheControl: "max-age=600, public",
		vary:         true,
	}
	rp := u.detailLocked(p, media)
	pg.body, pg.etag = rp.body, rp.etag
	u.mu.RUnlock()
	pg.write(w, r)
}

// detailLocked renders p's page in media once per serial (the caller holds
// u.mu for reading: p cannot change meanwhile).
func (u *Upstream) detailLocked(p *project, media string) renderedPage {
	p.renderMu.Lock()
	defer p.renderMu.Unlock()
	if p.renderedSerial != p.serial {
		p.rendered, p.renderedSerial = map[string]renderedPage{}, p.serial
	}
	if rp, ok := p.rendered[media]; ok {
		return rp
	}
	var body []byte
	if media == MediaJSON {
		body = u.renderDetailJSONLocked(p)
	} else {
		body = u.renderDetailHTMLLocked(p)
	}
	rp := renderedPage{body: body, etag: etagOf(body)}
	p.rendered[media] = rp
	return rp
}
