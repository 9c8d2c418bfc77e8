// Package upstream is the one HTTP client the proxy and the prefetcher use to
// talk to the upstream index and its file hosts. A page fetch is a
// conditional request when the caller passes the validators of its copy
// (WithValidators): the caller keeps the page, this package keeps nothing.
package upstream

import (
	"context"
	"errors"
	"fmt"
	"github.com/gregjones/httpcache"
	"github.com/pypi-proxy/pypi-proxy/cache"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config configures a Client. Zero values are the documented defaults.
type Config struct {
	// IndexURL is the root of the upstream Simple API, e.g.
	// https://pypi.org/simple/. Required; a trailing slash is added.
	IndexURL string
	// Name identifies the index in origin records, logs and headers
	// (default "upstream").
	Name string
	// XMLRPCURL is the index's XML-RPC endpoint (default: derived from
	// IndexURL, .../simple/ -> .../pypi).
	XMLRPCURL string
	// XMLRPCTimeout bounds one XML-RPC call (default 5m: PyPI's full
	// listing is large).
	XMLRPCTimeout time.Duration
	// HTTPCache persists the JSON API documents' upstream responses for
	// gregjones/httpcache's revalidation (nil: memory only); HTTPCacheBytes
	// bounds their in-memory copies (default 16 MiB).
	HTTPCache      cache.Store
	HTTPCacheBytes int64
	// Timeout bounds one index request (default 30s).
	Timeout time.Duration
	// Retries is how many times a failed retryable request is tried again (default 2; -1 for none).
	Retries int
	// Backoff is the first retry delay, doubled each time (default 200ms).
	Backoff time.Duration
	// MaxPageBytes bounds an index response body (default 64 MiB: PyPI's
	// JSON root is ~35 MB). A larger body fails the request unread past the
	// limit (httpcache, which keeps JSON API documents, stores only bodies
	// read to their end); memory per fetch is about this, twice for the
	// JSON API (httpcache's copy), times MaxConcurrentPages at worst.
	MaxPageBytes int64
	// Transport is the base transport; nil uses a tuned clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Username and Password are basic-auth credentials for the index host
	// (also taken from userinfo in IndexURL); Token is a bearer token
	// instead. They are sent to the index host only and never logged.
	Username, Password, Token string
	// CAFile adds PEM certificates to the trusted roots.
	CAFile string
	// TrustedFileHosts are the hosts ("host" or "host:port") besides the
	// index's own and DefaultTrustedFileHosts (files.pythonhosted.org for
	// pypi.org) that files may be fetched from.
	// Connections to loopback, private or link-local addresses are refused
	// unless the index host itself resolves to such an address.
	TrustedFileHosts []string
	// MaxConcurrent bounds file downloads in flight, bodies included (0: unlimited).
	MaxConcurrent int
	// MaxConcurrentPages bounds index requests in flight (pages, JSON API,
	// XML-RPC, pings), in a pool of their own so that downloads, however
	// many and however slow, never starve them (0: unlimited).
	MaxConcurrentPages int
	// UserAgent is sent with every request.
	UserAgent string
	// Logger receives warnings; nil uses slog.Default().
	Logger *slog.Logger
}

// Client talks to one upstream index and the hosts its pages link to.
type Client struct {
	cfg       Config
	index     *url.URL
	pages     *http.Client // index pages, conditional on the caller's validators
	jsonAPI   *http.Client // JSON API documents, through httpcache
	httpCache *storeCache
	direct    *http.Client // index requests not worth caching (XML-RPC, pings), on the pages' pool
	files     *http.Client // files are immutable and cached by cache/
	log       *slog.Logger
	allowed   map[string]bool // hosts a redirect may lead to
	trust     *trust          // hosts files may come from
	jsonBase  *url.URL        // root of the /pypi/<name>/json API
	xmlrpcURL string
}

// New builds a Client.
func New(cfg Config) (*Client, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	index, err := ParseIndexURL(cfg.IndexURL)
	if err != nil {
		return nil, err
	}
	if index.User != nil {
		if cfg.Username == "" && cfg.Token == "" {
			cfg.Username = index.User.Username()
			cfg.Password, _ = index.User.Password()
		}
		index.User = nil
	}
	network := cfg.Transport
	if cfg.CAFile != "" {
		if network, err = withCAFile(network, cfg.CAFile); err != nil {
			return nil, err
		}
	}
	tr, err := newTrust(index, cfg.TrustedFileHosts)
	if err != nil {
		return nil, err
	}
	if ht, ok := network.(*http.Transport); ok {
		network = guardTransport(ht, index, tr)
	}
	network = &authTransport{host: index.Host, scheme: index.Scheme, username: cfg.Username, password: cfg.Password, token: cfg.Token, next: network}
	c := &Client{cfg: cfg, index: index, log: cfg.Logger, allowed: map[string]bool{index.Host: true}, trust: tr}
	c.jsonBase = jsonAPIBase(index)
	c.xmlrpcURL = cfg.XMLRPCURL
	if c.xmlrpcURL == "" {
		c.xmlrpcURL = XMLRPCURL(index)
	}
	base := &recordingTransport{next: network}
	pagePool, filePool := limited(base, cfg.MaxConcurrentPages), limited(base, cfg.MaxConcurrent)
	c.pages = &http.Client{Transport: pagePool, CheckRedirect: c.checkRedirect}
	c.direct = &http.Client{Transport: pagePool, CheckRedirect: c.checkRedirect}
	c.files = &http.Client{Transport: filePool, CheckRedirect: c.checkRedirect}
	hc, err := newStoreCache(cfg.HTTPCache, cfg.HTTPCacheBytes, cfg.Logger)
	if err != nil {
		return nil, err
	}
	ht := httpcache.NewTransport(hc)
	ht.Transport = pagePool
	c.jsonAPI = &http.Client{Transport: ht, CheckRedirect: c.checkRedirect}
	c.httpCache = hc
	return c, nil
}

// Close releases the client's in-memory HTTP cache (its background
// goroutines). The client must not be used afterwards.
func (c *Client) Close() { c.httpCache.mem.Close() }

func (cfg *Config) defaults() error {
	if cfg.HTTPCacheBytes <= 0 {
		cfg.HTTPCacheBytes = 16 << 20
	}
	if cfg.Name == "" {
		cfg.Name = "upstream"
	}
	if cfg.XMLRPCTimeout <= 0 {
		cfg.XMLRPCTimeout = 5 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.MaxPageBytes <= 0 {
		cfg.MaxPageBytes = 64 << 20
	}
	if cfg.Transport == nil {
		cfg.Transport = DefaultTransport()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "pypi-proxy"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return nil
}

// ParseIndexURL checks an upstream index URL and gives it a trailing slash.
func ParseIndexURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("upstream URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream URL %q: want an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.RawFragment != "" {
		return nil, fmt.Errorf("upstream URL %q: must not have a query or fragment", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// jsonAPIBase derives where /pypi/<name>/json lives: next to "simple/" on
// PyPI-shaped indexes (https://pypi.org/simple/ -> https://pypi.org/).
func jsonAPIBase(index *url.URL) *url.URL {
	b := *index
	b.Path = strings.TrimSuffix(b.Path, "simple/")
	return &b
}

// DefaultTransport is a clone of http.DefaultTransport tuned for many
// parallel requests to few hosts. It honours HTTPS_PROXY and friends.
func DefaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	// Files are hashed as raw bytes: never let the transport decompress.
	t.DisableCompression = true
	return t
}

// IndexURL returns the upstream index root.
func (c *Client) IndexURL() *url.URL { u := *c.index; return &u }

// Name identifies the index.
func (c *Client) Name() string { return c.cfg.Name }

// checkRedirect keeps redirects on the host first asked or on the index host:
// nothing upstream says can send the proxy to an arbitrary host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %s refused", req.URL.Scheme)
	}
	if req.URL.Host != via[0].URL.Host && !c.allowed[req.URL.Host] {
		// Only same-host redirects or redirects into the upstream index.
		return fmt.Errorf("redirect from %s to another host %s refused", via[0].URL.Host, req.URL.Host)
	}
	return nil
}

// retry runs fn until it succeeds, fails for good, or the retries run out.
func (c *Client) retry(ctx context.Context, fn func() error) error {
	delay := c.cfg.Backoff
	for attempt := 0; ; attempt++ {
		err := fn()
		var ue *Error
		if err == nil || attempt >= c.cfg.Retries || !errors.As(err, &ue) || !ue.Retryable() {
			return err
		}
		upstreamRetries.Inc()
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay *= 2
	}
}
