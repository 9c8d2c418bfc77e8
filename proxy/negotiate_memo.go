package proxy

import (
	"sync"
	"sync/atomic"

	"github.com/pypi-proxy/pypi-proxy/proxy/simple"
)

// negotiated is one Accept header's outcome.
type negotiated struct {
	format simple.Format
	ctype  string
	err    error
}

// acceptMemo remembers the outcome of simple.Negotiate for the first
// maxAcceptMemo distinct Accept headers: clients send a handful (pip's,
// uv's, a browser's), and parsing one on every warm request was about a
// tenth of a page handler's CPU. Headers past the bound are parsed each
// time, so memory stays bounded whatever clients send.
type acceptMemo struct {
	m sync.Map // Accept header -> negotiated
	n atomic.Int32
}

const maxAcceptMemo = 64

// negotiate is simple.Negotiate(accept, ""), memoized.
func (a *acceptMemo) negotiate(accept string) (simple.Format, string, error) {
	if v, ok := a.m.Load(accept); ok {
		r := v.(negotiated)
		return r.format, r.ctype, r.err
	}
	f, ct, err := simple.Negotiate(accept, "")
	if a.n.Load() < maxAcceptMemo && len(accept) <= 512 {
		if _, loaded := a.m.LoadOrStore(accept, negotiated{f, ct, err}); !loaded {
			a.n.Add(1)
		}
	}
	return f, ct, err
}

var accepts acceptMemo
