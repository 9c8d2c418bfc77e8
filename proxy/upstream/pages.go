package upstream

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// indexAccept asks for PEP 691 JSON first: it carries more than HTML.
const indexAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"

// Page is an upstream index response body with what is needed to parse it.
type Page struct {
	Body []byte
	// MediaType is the response's media type without parameters.
	MediaType string
	// URL is the final URL, for resolving relative links.
	URL *url.URL
	// Serial is X-PyPI-Last-Serial, or -1.
	Serial int64
	// NotModified is set when upstream answered 304 to a conditional
	// request (WithValidators): Body is empty, the caller's copy stands.
	NotModified bool
	// Validators identify this version of the page for the next
	// conditional request.
	Validators Validators
	// Elapsed is the time spent on the network.
	Elapsed time.Duration
	// Index names the index that answered, when a router chose it ("":
	// the index the page was asked of).
	Index string
}

// FetchProjectPage fetches /simple/<name>/ (name must be normalized),
// conditionally when ctx carries validators (WithValidators).
func (c *Client) FetchProjectPage(ctx context.Context, name string) (*Page, error) {
	u := c.index.JoinPath(name) // JoinPath drops the trailing slash
	u.Path += "/"
	return c.fetchPage(ctx, u, indexAccept)
}

// FetchRootPage fetches the /simple/ root listing.
func (c *Client) FetchRootPage(ctx context.Context) (*Page, error) {
	return c.fetchPage(ctx, c.IndexURL(), indexAccept)
}

// FetchJSONAPI fetches /pypi/<name>/json, or /pypi/<name>/<version>/json when
// version is not empty.
func (c *Client) FetchJSONAPI(ctx context.Context, name, version string) (*Page, error) {
	u := c.jsonBase.JoinPath("pypi", name)
	if version != "" {
		u = u.JoinPath(version)
	}
	u = u.JoinPath("json")
	return c.fetchPageWith(ctx, c.jsonAPI, u, "application/json")
}

func (c *Client) fetchPage(ctx context.Context, u *url.URL, accept string) (*Page, error) {
	return c.fetchPageWith(ctx, c.pages, u, accept)
}

func (c *Client) fetchPageWith(ctx context.Context, hc *http.Client, u *url.URL, accept string) (*Page, error) {
	var page *Page
	err := c.retry(ctx, func() error {
		var err error
		page, err = c.fetchPageOnce(ctx, hc, u, accept)
		return err
	})
	return page, err
}

func (c *Client) fetchPageOnce(ctx context.Context, hc *http.Client, u *url.URL, accept string) (*Page, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	ctx, ex := withExchange(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{Kind: KindBadResponse, URL: u.String(), Err: err}
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	sent := validatorsFrom(ctx)
	sent.setOn(req.Header)
	if sent.IsZero() {
		// The caller decided to refresh: ask upstream, conditionally when
		// httpcache holds a validator.
		req.Header.Set("Cache-Control", "max-age=0")
	}
	resp, err := hc.Do(req)
	if cerr := Classify(u.String(), resp, err); cerr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, cerr
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		if sent.IsZero() {
			return nil, &Error{Kind: KindBadResponse, Status: resp.StatusCode, URL: u.String(),
				Err: fmt.Errorf("304 to an unconditional request")}
		}
		return &Page{NotModified: true, URL: resp.Request.URL, Validators: validatorsOf(resp.Header, sent),
			Serial: parseSerial(resp.Header.Get("X-PyPI-Last-Serial")), Elapsed: ex.elapsed}, nil
	}
	if resp.ContentLength > c.cfg.MaxPageBytes { // refused unread
		return nil, &Error{Kind: KindBadResponse, URL: u.String(), Err: fmt.Errorf("body of %d bytes, larger than %d", resp.ContentLength, c.cfg.MaxPageBytes)}
	}
	body, err := readBody(resp, c.cfg.MaxPageBytes+1)
	if err != nil {
		return nil, &Error{Kind: classifyTransportError(err), URL: u.String(), Err: fmt.Errorf("reading body: %w", err)}
	}
	if int64(len(body)) > c.cfg.MaxPageBytes {
		return nil, &Error{Kind: KindBadResponse, URL: u.String(), Err: fmt.Errorf("body larger than %d bytes", c.cfg.MaxPageBytes)}
	}
	if ex.networked {
		upstreamBytes.WithLabelValues("page").Add(float64(len(body)))
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return &Page{
		Body:       body,
		MediaType:  mt,
		URL:        resp.Request.URL,
		Serial:     parseSerial(resp.Header.Get("X-PyPI-Last-Serial")),
		Validators: validatorsOf(resp.Header, Validators{}),
		Elapsed:    ex.elapsed,
	}, nil
}

// readBody reads at most limit bytes of a response body in one buffer
// sized from Content-Length when upstream sent one (a 34 MB root is
// otherwise copied through every doubling of a growing slice).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n < limit {
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}

func parseSerial(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// Ping checks that the upstream index answers, with a HEAD of its root
// (PyPI's root is tens of megabytes: never GET it for a probe).
func (c *Client) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, c.index.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.direct.Do(req)
	if cerr := Classify(c.index.String(), resp, err); cerr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return cerr
	}
	resp.Body.Close()
	return nil
}
