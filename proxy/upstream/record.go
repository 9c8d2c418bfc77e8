package upstream

import (
	"context"
	"net/http"
	"time"
)

// exchange records what crossed the network for one logical request
// (redirects and all).
type exchange struct {
	networked bool
	status    int
	elapsed   time.Duration
}

type exchangeKey struct{}

func withExchange(ctx context.Context) (context.Context, *exchange) {
	ex := &exchange{}
	return context.WithValue(ctx, exchangeKey{}, ex), ex
}

// recordingTransport sits next to the network and counts every exchange.
type recordingTransport struct{ next http.RoundTripper }

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	upstreamInflight.Inc()
	resp, err := t.next.RoundTrip(req)
	upstreamInflight.Dec()
	elapsed := time.Since(start)
	outcome := "error"
	if err == nil {
		outcome = statusClass(resp.StatusCode)
	}
	upstreamRequests.WithLabelValues(req.URL.Host, outcome).Inc()
	upstreamDuration.WithLabelValues(req.URL.Host).Observe(elapsed.Seconds())
	if ex, ok := req.Context().Value(exchangeKey{}).(*exchange); ok {
		ex.networked = true
		ex.elapsed += elapsed
		if err == nil {
			ex.status = resp.StatusCode
		}
	}
	return resp, err
}

func statusClass(code int) string {
	switch {
	case code == http.StatusNotModified:
		return "not_modified"
	case code < 300:
		return "ok"
	case code < 400:
		return "redirect"
	case code == http.StatusNotFound || code == http.StatusGone:
		return "not_found"
	case code < 500:
		return "client_error"
	}
	return "server_error"
}
