package fakepypi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	u := newDemo(t, Options{})
	data, path, _ := u.File("projecta", "projecta-1.0.tar.gz")
	fileURL := u.FilesURL() + path
	// No keep-alives: Go retries a GET whose reused connection closes before any response,
	// which would hide a one-shot FaultDown. The timeout only stops a hang.
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	fetch := func(ctx context.Context, url string) (status int, body []byte, err error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
		return resp.StatusCode, body, err
	}
	tests := []struct {
		name  string
		fault Fault
		url   string
		check func(t *testing.T, status int, body []byte, err error, el time.Duration)
	}{
		{"status 502 on index", Fault{Host: IndexHost, PathPrefix: "/simple/projecta/", Status: 502}, u.IndexURL() + "projecta/",
			func(t *testing.T, status int, _ []byte, err error, _ time.Duration) {
				if err != nil || status != 502 {
					t.Errorf("status %d err %v", status, err)
				}
			}},
		{"status default 503", Fault{Host: FilesHost}, fileURL,
			func(t *testing.T, status int, _ []byte, err error, _ time.Duration) {
				if status != 503 {
					t.Errorf("status %d err %v", status, err)
				}
			}},
		{"down", Fault{Host: FilesHost, Kind: FaultDown}, fileURL,
			func(t *testing.T, _ int, _ []byte, err error, _ time.Duration) {
				if err == nil {
					t.Error("no error")
				}
			}},
		{"reset", Fault{Host: FilesHost, Kind: FaultReset}, fileURL,
			func(t *testing.T, _ int, body []byte, err error, _ time.Duration) {
				if err == nil || len(body) >= len(data) {
					t.Errorf("err %v, %d bytes", err, len(body))
				}
			}},
		{"truncate", Fault{Host: FilesHost, Kind: FaultTruncate}, fileURL,
			func(t *testing.T, status int, body []byte, err error, _ time.Duration) {
				if !errors.Is(err, io.ErrUnexpectedEOF) || status != 200 || len(body) != len(data)/2 {
					t.Errorf("status %d err %v, %d bytes", status, err, len(body))
				}
			}},
		{"corrupt", Fault{Host: FilesHost, Kind: FaultCorrupt}, fileURL,
			func(t *testing.T, status int, body []byte, err error, _ time.Duration) {
				if err != nil || status != 200 || len(body) != len(data) || bytes.Equal(body, data) {
					t.Errorf("status %d err %v, equal %v", status, err, bytes.Equal(body, data))
				}
			}},
		{"slow", Fault{Host: FilesHost, Kind: FaultSlow, Delay: 300 * time.Millisecond}, fileURL,
			func(t *testing.T, status int, body []byte, err error, el time.Duration) {
				if err != nil || !bytes.Equal(body, data) || el < 300*time.Millisecond {
					t.Errorf("err %v after %v", err, el)
				}
			}},
		{"stall until delay", Fault{Host: FilesHost, Kind: FaultStall, Delay: 300 * time.Millisecond}, fileURL,
			func(t *testing.T, _ int, body []byte, err error, el time.Duration) {
				// The server ended the stall (a short body), not the client's deadline.
				if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != len(data)/2 || el < 300*time.Millisecond {
					t.Errorf("err %v, %d bytes after %v", err, len(body), el)
				}
			}},
		{"stall until client gives up", Fault{Host: FilesHost, Kind: FaultStall}, fileURL,
			func(t *testing.T, _ int, body []byte, err error, el time.Duration) {
				if !errors.Is(err, context.DeadlineExceeded) || el < 400*time.Millisecond {
					t.Errorf("err %v after %v", err, el)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u.ClearFaults()
			f := tc.fault
			f.Times = 1
			u.SetFault(f)
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			if f.Kind != FaultStall || f.Delay != 0 {
				ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second) // only stops a hang
			}
			defer cancel()
			start := time.Now()
			status, body, err := fetch(ctx, tc.url)
			tc.check(t, status, body, err, time.Since(start))
			// Times: 1 means the next request is healthy again.
			if status, body, err := fetch(context.Background(), tc.url); err != nil || status != 200 || len(body) == 0 {
				t.Errorf("after fault: status %d err %v", status, err)
			}
		})
	}
}

func TestFaultPersistsAndClears(t *testing.T) {
	u := newDemo(t, Options{})
	u.SetFault(Fault{Host: IndexHost, PathPrefix: "/simple/projectb/", Status: 500})
	for i := 0; i < 3; i++ {
		if resp, _ := get(t, u.IndexURL()+"projectb/", nil); resp.StatusCode != 500 {
			t.Fatalf("try %d: %d", i, resp.StatusCode)
		}
	}
	if resp, _ := get(t, u.IndexURL()+"projecta/", nil); resp.StatusCode != 200 {
		t.Errorf("other path: %d", resp.StatusCode)
	}
	if n := u.Requests(IndexHost, "/simple/projectb/"); n != 3 {
		t.Errorf("faulted requests counted: %d", n)
	}
	u.ClearFaults()
	if resp, _ := get(t, u.IndexURL()+"projectb/", nil); resp.StatusCode != 200 {
		t.Errorf("after clear: %d", resp.StatusCode)
	}
}

func TestConcurrentHammer(t *testing.T) {
	u := newDemo(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%10 == 0 {
				u.Publish("projectc", Release{Version: "5." + string(rune('0'+i/10)), Wheel: true})
			}
			for _, url := range []string{u.IndexURL() + "projecta/", u.IndexURL(), u.FileURL("projectb", "projectb-1.0.tar.gz")} {
				resp, err := http.Get(url)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := u.Requests(IndexHost, "/simple/"); n != 200 {
		t.Errorf("index requests %d", n)
	}
}

// TestHoldBody: After lets the first request through; the next one gets
// its headers and half its body, arrives at the gate, and the rest on
// Release.
func TestHoldBody(t *testing.T) {
	u := newDemo(t, Options{})
	data, path, _ := u.File("projecta", "projecta-1.0.tar.gz")
	gate := u.HoldFault(Fault{Host: FilesHost, Kind: FaultHoldBody, After: 1})
	defer gate.Release()
	if resp, body := get(t, u.FilesURL()+path, nil); resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("request let through by After: %d, %d bytes", resp.StatusCode, len(body))
	}
	select {
	case <-gate.Arrived():
		t.Fatal("the gate reports an arrival before any request was held")
	default:
	}
	resp, err := http.Get(u.FilesURL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != int64(len(data)) {
		t.Errorf("Content-Length %d, want the whole file's %d", resp.ContentLength, len(data))
	}
	half := make([]byte, len(data)/2)
	if _, err := io.ReadFull(resp.Body, half); err != nil || !bytes.Equal(half, data[:len(half)]) {
		t.Fatalf("first half before Release: %v", err)
	}
	<-gate.Arrived()
	gate.Release()
	rest, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(rest, data[len(half):]) {
		t.Errorf("second half after Release: %d bytes, %v", len(rest), err)
	}
}

// TestHoldWithoutGate: a FaultHold set without a gate holds its request
// until the client gives up.
func TestHoldWithoutGate(t *testing.T) {
	u := newDemo(t, Options{})
	u.SetFault(Fault{Host: IndexHost, Kind: FaultHold})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.IndexURL()+"projecta/", nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for u.Requests(IndexHost, "/simple/projecta/") == 0 {
		select {
		case err := <-errc:
			t.Fatalf("answered without a gate to release it: %v", err)
		case <-time.After(time.Millisecond): // polls the arrival; a hang is caught by the test timeout
		}
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("held request ended with %v, want the client's cancellation", err)
	}
}
