package prefetch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
	"github.com/pypi-proxy/pypi-proxy/prefetch"
	"github.com/pypi-proxy/pypi-proxy/proxy/index"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogProgressMovesDuringADownload: with progress as log lines, the
// bytes done move while one large file downloads (issue 13: frozen for
// 80 s on a 20 MiB file), not only once it is complete.
func TestLogProgressMovesDuringADownload(t *testing.T) {
	const size = 48 << 10
	e := newEnv(t, fakepypi.Options{FilesBandwidth: 16 << 10}) // 3 s for the file
	e.up.AddFile("big", "1.0", "big-1.0.tar.gz", bytes.Repeat([]byte("x"), size))
	var logs lockedBuffer
	e.configure = func(c *prefetch.Config, _ *index.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		c.ProgressInterval = 20 * time.Millisecond
	}
	m, _, _ := e.mirror()
	done := make(chan error, 1)
	go func() { _, err := m.Sync(context.Background()); done <- err }()
	partial := func() bool {
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec struct {
				Msg       string `json:"msg"`
				BytesDone int64  `json:"bytes_done"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && strings.HasSuffix(rec.Msg, "progress") &&
				rec.BytesDone > 0 && rec.BytesDone < size {
				return true
			}
		}
		return false
	}
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if !partial() {
				t.Fatalf("no progress line showed the file partly downloaded:\n%s", logs.String())
			}
			return
		case <-time.After(10 * time.Millisecond):
			if partial() {
				<-done
				return
			}
		}
	}
}
