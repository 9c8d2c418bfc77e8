package proxy

import "time"

// Limits protect the server from hostile or broken clients. Zero values
// are the documented defaults.
type Limits struct {
	// WriteTimeout is how long one write to a client may take (default
	// 1m; negative: none). It runs from the last progress, not from the
	// request's start: a client reading a large file slowly keeps its
	// connection, one that stops reading loses it.
	WriteTimeout time.Duration
	// MaxRanges caps the ranges of one request (default 16); more are
	// answered with the whole file, so many tiny ranges cannot amplify a
	// request.
	MaxRanges int
	// PublicURL is the proxy's URL as clients reach it (ParsePublicURL),
	// for the absolute URLs of the JSON API; without it they follow the
	// Host header and are served Cache-Control: private.
	PublicURL string
	// HeaderWait is how long a file miss waits for upstream's response
	// before sending its own headers, when the page gave the size
	// (default 5s; negative: wait for upstream).
	HeaderWait time.Duration
}

func (l *Limits) defaults() {
	if l.WriteTimeout == 0 {
		l.WriteTimeout = time.Minute
	}
	if l.HeaderWait == 0 {
		l.HeaderWait = 5 * time.Second
	}
	if l.MaxRanges <= 0 {
		l.MaxRanges = 16
	}
}
