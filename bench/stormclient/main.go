// Command stormclient is bench/storm.sh's load: -clients clients at once, each "installing" the
// same projects as `pip download --no-deps` of them does: for every project, in an order of its
// own, the page with pip's Accept header, then the newest file the page links, whose bytes must
// match the page's sha256. Each client keeps its own connection, from its own loopback address
// (127.0.0.2 to 127.0.0.251), as clients on separate hosts would; all start at one moment.
//
//	stormclient -index http://127.0.0.1:3141/simple/ -clients 500 -files-out wanted genpkg-000000 ...
//
// It prints "RESULT <wall s> <errors> <p50 client s> <p99 client s> <requests>", the first few
// errors to stderr, and the distinct file paths it fetched to -files-out.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

// page is the part of a PEP 691 project page a client reads.
type page struct {
	Files []struct {
		URL    string            `json:"url"`
		Hashes map[string]string `json:"hashes"`
	} `json:"files"`
}

// storm is what all clients share.
type storm struct {
	index  *url.URL
	names  []string
	errors atomic.Int64
	reqs   atomic.Int64
	mu     sync.Mutex
	wanted map[string]bool
	shown  int
}

func main() {
	index := flag.String("index", "", "the simple index URL (.../simple/); required")
	clients := flag.Int("clients", 500, "clients at once")
	filesOut := flag.String("files-out", "", "write the distinct file paths fetched here")
	timeout := flag.Duration("timeout", 10*time.Minute, "a client's whole install")
	flag.Parse()
	u, err := url.Parse(*index)
	if err != nil || *index == "" || flag.NArg() == 0 || *clients < 1 {
		flag.Usage()
		os.Exit(2)
	}
	s := &storm{index: u, names: flag.Args(), wanted: map[string]bool{}}
	took := make([]time.Duration, *clients)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range *clients {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			c := newClient(i, *timeout)
			order := slices.Clone(s.names)
			rand.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
			ready.Done()
			<-start
			t := time.Now()
			for _, name := range order {
				s.install(c, name)
			}
			took[i] = time.Since(t)
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	wall := time.Since(t0)
	slices.Sort(took)
	pct := func(p float64) float64 { return took[int(p*float64(len(took)-1))].Seconds() }
	fmt.Printf("RESULT %.2f %d %.2f %.2f %d\n", wall.Seconds(), s.errors.Load(), pct(0.5), pct(0.99), s.reqs.Load())
	if *filesOut != "" {
		var paths []string
		for p := range s.wanted {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		if err := os.WriteFile(*filesOut, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// newClient is one client: one connection at a time, from 127.0.0.(2 + i%250).
func newClient(i int, timeout time.Duration) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%250))}, Timeout: 30 * time.Second}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true,
	}}
}

// install fetches name's page, then the newest file it links, checking its sha256.
func (s *storm) install(c *http.Client, name string) {
	pageURL := s.index.JoinPath(name + "/")
	body, err := s.get(c, pageURL.String(), pipAccept)
	if err != nil {
		s.fail(err)
		return
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil || len(p.Files) == 0 {
		s.fail(fmt.Errorf("%s: no files on the page (%v)", pageURL, err))
		return
	}
	f := p.Files[len(p.Files)-1]
	fileURL, err := pageURL.Parse(f.URL)
	if err != nil {
		s.fail(err)
		return
	}
	data, err := s.get(c, fileURL.String(), "")
	if err != nil {
		s.fail(err)
		return
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != f.Hashes["sha256"] {
		s.fail(fmt.Errorf("%s: sha256 mismatch (%d bytes)", fileURL, len(data)))
		return
	}
	s.mu.Lock()
	s.wanted[fileURL.Path] = true
	s.mu.Unlock()
}

func (s *storm) get(c *http.Client, u, accept string) ([]byte, error) {
	s.reqs.Add(1)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", u, resp.Status)
	}
	return body, err
}

// fail counts an error and shows the first few.
func (s *storm) fail(err error) {
	s.errors.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown < 5 {
		s.shown++
		fmt.Fprintln(os.Stderr, "stormclient:", err)
	}
}
