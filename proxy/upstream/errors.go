package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// Kind classifies what went wrong talking to an upstream.
type Kind int

const (
	// KindNotFound is a real "does not exist" from upstream (404 or 410).
	KindNotFound Kind = iota + 1
	// KindUnavailable is an upstream 5xx, a refused or reset connection:
	// worth retrying, never a 404 for the client.
	KindUnavailable
	// KindTimeout is an upstream that did not answer in time.
	KindTimeout
	// KindBadResponse is an answer we cannot use: another 4xx, a body we
	// cannot parse, a body too large, a hash that does not match.
	KindBadResponse
)

func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not_found"
	case KindUnavailable:
		return "unavailable"
	case KindTimeout:
		return "timeout"
	case KindBadResponse:
		return "bad_response"
	}
	return "unknown"
}

// Error is the one error type for failed upstream requests. The proxy's error
// mapper turns it into 404, 502, 503 or 504.
type Error struct {
	Kind   Kind
	Status int    // upstream HTTP status, 0 when there was no response
	URL    string // what was requested
	Err    error  // underlying cause, may be nil
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("upstream %s: %s", Redact(e.URL), e.Kind)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		msg += ": " + redactIn(e.Err.Error())
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying again may succeed.
func (e *Error) Retryable() bool { return e.Kind == KindUnavailable || e.Kind == KindTimeout }

// IsNotFound reports whether err is an upstream "does not exist".
func IsNotFound(err error) bool {
	var ue *Error
	return errors.As(err, &ue) && ue.Kind == KindNotFound
}

// Classify is the one upstream-status classifier: it turns a response or a
// transport error into nil (2xx or 304) or an *Error. It does not read or
// close the body.
func Classify(url string, resp *http.Response, err error) error {
	if err != nil {
		return &Error{Kind: classifyTransportError(err), URL: url, Err: err}
	}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300, code == http.StatusNotModified:
		return nil
	case code == http.StatusNotFound, code == http.StatusGone:
		return &Error{Kind: KindNotFound, Status: code, URL: url}
	case code == http.StatusRequestTimeout, code == http.StatusGatewayTimeout:
		return &Error{Kind: KindTimeout, Status: code, URL: url}
	case code == http.StatusTooManyRequests, code >= 500:
		return &Error{Kind: KindUnavailable, Status: code, URL: url}
	default:
		return &Error{Kind: KindBadResponse, Status: code, URL: url}
	}
}

func classifyTransportError(err error) Kind {
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout
	}
	return KindUnavailable
}
