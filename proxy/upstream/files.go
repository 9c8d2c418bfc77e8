package upstream

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// OpenFile starts downloading a distribution file (or its .metadata) from
// rawURL, which must come from an upstream page. Failures before the body
// starts are retried. The caller closes the body.
func (c *Client) OpenFile(ctx context.Context, rawURL string) (io.ReadCloser, int64, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, 0, &Error{Kind: KindBadResponse, URL: rawURL, Err: fmt.Errorf("not an http(s) URL")}
	}
	if err := c.trust.checkFileURL(u); err != nil {
		return nil, 0, err
	}
	var resp *http.Response
	err = c.retry(ctx, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return &Error{Kind: KindBadResponse, URL: rawURL, Err: err}
		}
		req.Header.Set("User-Agent", c.cfg.UserAgent)
		req.Header.Set("Accept-Encoding", "identity")
		r, err := c.files.Do(req)
		if cerr := Classify(rawURL, r, err); cerr != nil {
			if r != nil {
				r.Body.Close()
			}
			return cerr
		}
		resp = r
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, &Error{Kind: KindBadResponse, Status: resp.StatusCode, URL: rawURL, Err: fmt.Errorf("unexpected status")}
	}
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && enc != "identity" {
		resp.Body.Close()
		return nil, 0, &Error{Kind: KindBadResponse, URL: rawURL, Err: fmt.Errorf("unexpected Content-Encoding %q", enc)}
	}
	return countingBody{resp.Body}, resp.ContentLength, nil
}

type countingBody struct{ io.ReadCloser }

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	upstreamBytes.WithLabelValues("file").Add(float64(n))
	return n, err
}
