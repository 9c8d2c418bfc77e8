package upstream

import (
	"context"
	"net/http"
)

// Validators are what upstream said identifies the version of a page: its
// ETag and Last-Modified headers. A caller that keeps them with its copy of
// the page passes them back (WithValidators) to make the next fetch a
// conditional request, which upstream answers with a bodiless 304 when the
// page has not changed: the caller then keeps its copy as it is, with no
// body read, parsed or written.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// IsZero reports validators that cannot make a request conditional.
func (v Validators) IsZero() bool { return v.ETag == "" && v.LastModified == "" }

type validatorsKey struct{}

// WithValidators makes the page fetches under ctx conditional on v: a
// Page with NotModified set and no body is returned when upstream answers
// 304. Zero validators leave ctx as it is.
func WithValidators(ctx context.Context, v Validators) context.Context {
	if v.IsZero() {
		return ctx
	}
	return context.WithValue(ctx, validatorsKey{}, v)
}

func validatorsFrom(ctx context.Context) Validators {
	v, _ := ctx.Value(validatorsKey{}).(Validators)
	return v
}

// setOn adds the conditional request headers for v.
func (v Validators) setOn(h http.Header) {
	if v.ETag != "" {
		h.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		h.Set("If-Modified-Since", v.LastModified)
	}
}

// validatorsOf reads the validators of a response; on a 304 the ones it
// does not repeat are kept from sent.
func validatorsOf(h http.Header, sent Validators) Validators {
	v := Validators{ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified")}
	if v.ETag == "" {
		v.ETag = sent.ETag
	}
	if v.LastModified == "" {
		v.LastModified = sent.LastModified
	}
	return v
}
