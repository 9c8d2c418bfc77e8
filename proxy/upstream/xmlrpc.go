package upstream

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxXMLRPCReply bounds an XML-RPC reply (a full list_packages_with_serial
// of PyPI is about 30 MB).
const maxXMLRPCReply = 1 << 30

// XMLRPCURL derives the XML-RPC endpoint from a Simple API root the way
// PyPI lays them out: https://pypi.org/simple/ -> https://pypi.org/pypi.
func XMLRPCURL(index *url.URL) string {
	u := *index
	u.User = nil
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "simple") + "pypi"
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// CallXMLRPC posts body to the index's XML-RPC endpoint with the client's
// credentials, CA, concurrency limit, retries and status classifier: an
// endpoint that is not there (404, 405, 501) is a KindNotFound Error.
func (c *Client) CallXMLRPC(ctx context.Context, body []byte) ([]byte, error) {
	var reply []byte
	err := c.retry(ctx, func() error {
		var err error
		reply, err = c.callXMLRPCOnce(ctx, body)
		return err
	})
	return reply, err
}

func (c *Client) callXMLRPCOnce(ctx context.Context, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.XMLRPCTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.xmlrpcURL, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Kind: KindBadResponse, URL: c.xmlrpcURL, Err: err}
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.direct.Do(req)
	if resp != nil && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		resp.Body.Close()
		return nil, &Error{Kind: KindNotFound, Status: resp.StatusCode, URL: c.xmlrpcURL}
	}
	if cerr := Classify(c.xmlrpcURL, resp, err); cerr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, cerr
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxXMLRPCReply))
	if err != nil {
		return nil, &Error{Kind: classifyTransportError(err), URL: c.xmlrpcURL, Err: fmt.Errorf("reading body: %w", err)}
	}
	return data, nil
}
