package fakepypi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configures an Upstream. The zero value is a usable default.
type Options struct {
	// HTMLOnly makes the index serve only PEP 503 HTML (JSON in Accept is ignored), to test HTML parsing.
	HTMLOnly bool
	// FilesBandwidth limits the files host to this many bytes/second per response (0 = unlimited).
	FilesBandwidth int64
	// Addr is the index host's listen address; "" means "127.0.0.1:0" (a random port).
	Addr string
	// FilesAddr is the files host's listen address; "" means "127.0.0.1:0".
	FilesAddr string
	// ChangelogPageSize caps the rows one changelog_since_serial call returns; 0 means 50,000 as on PyPI.
	ChangelogPageSize int
	// NoXMLRPC answers the XML-RPC endpoint with 404, like an index without PyPI's mirroring API.
	NoXMLRPC bool
	// TLS serves both hosts over HTTPS with a certificate from a private CA
	// (WriteCAFile writes it for the client).
	TLS bool
	// Username and Password, when set, are the Basic credentials the index
	// host requires (401 without them), as a private index would.
	Username, Password string
}

// Host names one of the two servers of an Upstream.
type Host int

const (
	// IndexHost is the pypi.org lookalike: /simple/, /pypi/<name>/json and XML-RPC at POST /pypi.
	IndexHost Host = iota
	// FilesHost is the files.pythonhosted.org lookalike: /packages/...
	FilesHost
)

// String returns "index" or "files".
func (h Host) String() string {
	if h == FilesHost {
		return "files"
	}
	return "index"
}

// Upstream is a running fake of pypi.org (index host) and files.pythonhosted.org (files host).
// All methods are safe for concurrent use.
type Upstream struct {
	opts Options

	mu        sync.RWMutex
	serial    int64
	projects  map[string]*project // by normalized name
	files     map[string]*fileEntry
	changelog []ChangelogEntry
	generated int // projects made by GenerateProjects so far

	counts counter
	faults faultSet

	indexLn, filesLn   net.Listener
	indexSrv, filesSrv *http.Server
	done               chan struct{}
	closeOnce          sync.Once
	ca                 *privateCA // with Options.TLS
}

// New starts both servers and returns the Upstream. It panics if it cannot listen; use Start to get
// the error instead.
func New(opts Options) *Upstream {
	u, err := Start(opts)
	if err != nil {
		panic(err)
	}
	return u
}

// Start is New returning the listen error instead of panicking.
func Start(opts Options) (*Upstream, error) {
	u := &Upstream{
		opts:     opts,
		projects: map[string]*project{},
		files:    map[string]*fileEntry{},
		done:     make(chan struct{}),
	}
	var err error
	if u.indexLn, err = net.Listen("tcp", orDefault(opts.Addr)); err != nil {
		return nil, fmt.Errorf("fakepypi: index host: %w", err)
	}
	if u.filesLn, err = net.Listen("tcp", orDefault(opts.FilesAddr)); err != nil {
		u.indexLn.Close()
		return nil, fmt.Errorf("fakepypi: files host: %w", err)
	}
	if opts.TLS {
		if u.ca, err = newPrivateCA(); err != nil {
			u.indexLn.Close()
			u.filesLn.Close()
			return nil, fmt.Errorf("fakepypi: TLS: %w", err)
		}
		u.indexLn, u.filesLn = u.ca.listen(u.indexLn), u.ca.listen(u.filesLn)
	}
	u.indexSrv = &http.Server{Handler: u.wrap(IndexHost, u.serveIndex), ReadHeaderTimeout: 10 * time.Second}
	u.filesSrv = &http.Server{Handler: u.wrap(FilesHost, u.serveFiles), ReadHeaderTimeout: 10 * time.Second}
	go serve(u.indexSrv, u.indexLn)
	go serve(u.filesSrv, u.filesLn)
	return u, nil
}

func serve(s *http.Server, ln net.Listener) {
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		panic(err)
	}
}

func orDefault(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	return addr
}

// Close stops both servers, closing open connections and ending stalled responses.
func (u *Upstream) Close() {
	u.closeOnce.Do(func() {
		close(u.done)
		u.indexSrv.Close()
		u.filesSrv.Close()
	})
}

// BaseURL is the index host's root, "http://127.0.0.1:PORT" (for /pypi/... and XML-RPC at BaseURL()+"/pypi").
func (u *Upstream) BaseURL() string { return u.scheme() + "://" + u.indexLn.Addr().String() }

// IndexURL is the simple index, "http://127.0.0.1:PORT/simple/".
func (u *Upstream) IndexURL() string { return u.BaseURL() + "/simple/" }

// XMLRPCURL is the XML-RPC endpoint, BaseURL()+"/pypi".
func (u *Upstream) XMLRPCURL() string { return u.BaseURL() + "/pypi" }

// FilesURL is the files host's root, "http://127.0.0.1:PORT".
func (u *Upstream) FilesURL() string { return u.scheme() + "://" + u.filesLn.Addr().String() }

// wrap counts every request, then applies a matching fault or calls h.
func (u *Upstream) wrap(host Host, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.counts.add(host, r.URL.Path)
		if host == IndexHost && !u.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="fakepypi"`)
			http.Error(w, "fakepypi: credentials required", http.StatusUnauthorized)
			return
		}
		if f, ok := u.faults.take(host, r.URL.Path); ok {
			u.applyFault(f, w, r, h)
			return
		}
		h(w, r)
	})
}
