package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
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

// TestLogBufferFlushes: lines wait in the buffer until the ticker (on a
// synctest bubble's fake clock) or Close flushes them.
func TestLogBufferFlushes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		b := newLogBuffer(&out, 20*time.Millisecond)
		b.Write([]byte("one\n"))
		time.Sleep(19 * time.Millisecond)
		synctest.Wait()
		if out.String() != "" {
			t.Error("written through before the interval: not buffered")
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if out.String() != "one\n" {
			t.Fatalf("not flushed by the ticker: %q", out.String())
		}
		b.Write([]byte("two\n"))
		b.Close()
		if !strings.HasSuffix(out.String(), "two\n") {
			t.Errorf("Close did not flush: %q", out.String())
		}
	})
}
