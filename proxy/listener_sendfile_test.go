package proxy

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestLimitedConnKeepsSendfile: net/http sends a file with sendfile only
// when the connection it serves has ReadFrom (*net.TCPConn's); the
// connection-limit wrapper must keep it, or every file and stored page goes
// through a 32 KiB buffer in user space.
func TestLimitedConnKeepsSendfile(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(raw, ConnLimits{Max: 4, PerIP: 4})
	defer ln.Close()
	want := bytes.Repeat([]byte("sendfile "), 100_000)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	rf, ok := c.(io.ReaderFrom)
	if !ok {
		t.Fatal("the accepted connection hides ReadFrom: net/http cannot use sendfile")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := rf.ReadFrom(f); err != nil || n != int64(len(want)) {
		t.Fatalf("ReadFrom: %d, %v", n, err)
	}
	c.Close()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("client got %d bytes, want %d", len(b), len(want))
	}
}
