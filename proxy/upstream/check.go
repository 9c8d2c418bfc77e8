package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrNotSimpleRoot means the upstream URL answers, but not like the root of
// a Simple Repository API (PEP 503/691): a site's home page, PyPI's JSON
// API or XML-RPC endpoint, or a 404. Serving or mirroring from it would
// call every project missing.
var ErrNotSimpleRoot = errors.New("does not answer like a Simple API root (PEP 503/691)")

// rootPeekBytes is how much of the root is read to judge it: PyPI's root is
// tens of megabytes, its first kilobytes say what it is.
const rootPeekBytes = 64 << 10

// CheckRoot GETs the start of the index root and tells whether it is a
// Simple API root: nil when it is, an error wrapping ErrNotSimpleRoot when
// it answers as something else, an *Error when it cannot be reached.
func (c *Client) CheckRoot(ctx context.Context) error {
	return checkRoot(ctx, c.files, c.index.String(), c.cfg.UserAgent, c.cfg.Timeout)
}

// CheckRootURL is CheckRoot for another URL with the same client: the
// caller's way to ask whether a likelier root (<site>/simple/) would do.
func (c *Client) CheckRootURL(ctx context.Context, rawURL string) error {
	return checkRoot(ctx, c.files, rawURL, c.cfg.UserAgent, c.cfg.Timeout)
}

func checkRoot(ctx context.Context, hc *http.Client, rawURL, userAgent string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return &Error{Kind: KindBadResponse, URL: rawURL, Err: err}
	}
	req.Header.Set("Accept", indexAccept)
	req.Header.Set("User-Agent", userAgent)
	resp, err := hc.Do(req)
	if cerr := Classify(rawURL, resp, err); cerr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if IsNotFound(cerr) || resp != nil && resp.StatusCode == http.StatusMethodNotAllowed {
			return fmt.Errorf("%s: HTTP %d: %w", rawURL, resp.StatusCode, ErrNotSimpleRoot)
		}
		return cerr
	}
	defer resp.Body.Close()
	head, err := io.ReadAll(io.LimitReader(resp.Body, rootPeekBytes))
	if err != nil {
		return &Error{Kind: classifyTransportError(err), URL: rawURL, Err: err}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !LooksLikeSimpleRoot(mt, head) {
		return fmt.Errorf("%s (%s): %w", rawURL, orUnknown(mt), ErrNotSimpleRoot)
	}
	return nil
}

// LooksLikeSimpleRoot judges the start of a response body: a PEP 691 media
// type or JSON with an api-version; HTML with PEP 629's repository-version
// meta, a "Simple index" title, or a bare list of links (no scripts, forms
// or stylesheets, which a site's home page has and a project list has not).
func LooksLikeSimpleRoot(mediaType string, head []byte) bool {
	if strings.HasPrefix(mediaType, "application/vnd.pypi.simple.") {
		return true
	}
	lower := bytes.ToLower(head)
	if strings.Contains(mediaType, "json") {
		return bytes.Contains(lower, []byte(`"api-version"`)) && bytes.Contains(lower, []byte(`"projects"`))
	}
	if mediaType != "" && mediaType != "text/html" && mediaType != "application/xhtml+xml" {
		return false
	}
	if bytes.Contains(lower, []byte("pypi:repository-version")) || bytes.Contains(lower, []byte("simple index")) {
		return true
	}
	for _, tag := range []string{"<script", "<form", "<link rel=\"stylesheet\"", "<img", "<nav"} {
		if bytes.Contains(lower, []byte(tag)) {
			return false
		}
	}
	return bytes.Contains(lower, []byte("<a ")) || bytes.Contains(lower, []byte("<html"))
}

// KnownSiteRoot corrects the URLs people type for a well-known index that
// are not its Simple API root: https://pypi.org, https://pypi.org/pypi (the
// JSON API and XML-RPC) and the same on test.pypi.org become
// https://pypi.org/simple/. It returns the URL unchanged and false for
// anything else.
func KnownSiteRoot(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, false
	}
	switch strings.ToLower(u.Hostname()) {
	case "pypi.org", "www.pypi.org", "test.pypi.org", "pypi.python.org":
	default:
		return raw, false
	}
	switch strings.TrimSuffix(u.Path, "/") {
	case "", "/pypi", "/simple":
	default:
		return raw, false
	}
	if u.Path == "/simple/" {
		return raw, false
	}
	u.Path, u.RawPath = "/simple/", ""
	if strings.EqualFold(u.Hostname(), "www.pypi.org") || strings.EqualFold(u.Hostname(), "pypi.python.org") {
		u.Host = "pypi.org"
	}
	return u.String(), true
}

func orUnknown(mt string) string {
	if mt == "" {
		return "no content type"
	}
	return mt
}
