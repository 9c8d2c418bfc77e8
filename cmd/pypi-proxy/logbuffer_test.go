package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
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

func TestLogBufferFlushes(t *testing.T) {
	var out lockedBuffer
	b := newLogBuffer(&out, 20*time.Millisecond)
	b.Write([]byte("one\n"))
	if out.String() != "" {
		t.Error("written through at once: not buffered")
	}
	deadline := time.Now().Add(2 * time.Second)
	for out.String() != "one\n" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if out.String() != "one\n" {
		t.Fatalf("not flushed by the ticker: %q", out.String())
	}
	b.Write([]byte("two\n"))
	b.Close()
	if !strings.HasSuffix(out.String(), "two\n") {
		t.Errorf("Close did not flush: %q", out.String())
	}
}
