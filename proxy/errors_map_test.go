package proxy

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pypi-proxy/pypi-proxy/cache"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

// TestMapErrorDownloads: a failed download maps to a status a client
// may retry, never to a 500.
func TestMapErrorDownloads(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{fmt.Errorf("k: %w", cache.ErrHashMismatch), http.StatusBadGateway},
		{fmt.Errorf("k: %w", cache.ErrStalled), http.StatusGatewayTimeout},
		{fmt.Errorf("k: %w (another replica may be downloading it)", cache.ErrLeaseLost), http.StatusServiceUnavailable},
		{fmt.Errorf("stored page: %w", index.ErrPageChanged), http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		if code, _, cc := mapError(tt.err); code != tt.want || cc != "no-store" {
			t.Errorf("mapError(%v) = %d, %q; want %d, no-store", tt.err, code, cc, tt.want)
		}
	}
}
