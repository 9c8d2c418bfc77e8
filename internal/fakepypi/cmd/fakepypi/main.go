// Command fakepypi runs the hermetic fake PyPI (index and files hosts) until SIGINT or SIGTERM,
// for benchmark scripts and end-to-end tests with nginx and pip.
//
//	fakepypi -addr 127.0.0.1:8081 -files-addr 127.0.0.1:8082 -generate 5000 -bandwidth 10000000
//
// It publishes the demo set (fakepypi.PublishDemo) unless -no-demo, any -big-file (project
// "big-<bytes>", version 1.0, one incompressible sdist "big_<bytes>-1.0.tar.gz", for benchmarks),
// and prints the URLs, one
// "key=value" per line (index, base, files, xmlrpc, serial; control with -control-addr), to stdout
// and to -urls-file if given. -control-addr serves fakepypi.Upstream.ControlHandler (request counts,
// fault rules) for scripts.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"

	"github.com/pypi-proxy/pypi-proxy/internal/fakepypi"
)

func main() {
	var (
		opts     fakepypi.Options
		generate = flag.Int("generate", 0, "also generate this many small projects (genpkg-NNNNNN)")
		releases = flag.Int("releases", 2, "releases per generated project")
		noDemo   = flag.Bool("no-demo", false, "do not publish the demo set")
		urlsFile = flag.String("urls-file", "", "also write the URLs to this file")
		onHUP    = flag.Int("publish-on-hup", 0, "on each SIGHUP, publish a new wheel release of the first N generated projects (mirror benchmarks)")
		cpuProf  = flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (benchmark analysis)")
		ctlAddr  = flag.String("control-addr", "", "serve the control API (GET /counts, POST and DELETE /faults) on this address, e.g. 127.0.0.1:0")
	)
	var bigFiles []int64
	flag.Func("big-file", "also publish project big-<bytes> with one incompressible sdist of this size (e.g. 100MiB; repeatable)",
		func(s string) error {
			n, err := parseSize(s)
			bigFiles = append(bigFiles, n)
			return err
		})
	flag.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "index host listen address")
	flag.StringVar(&opts.FilesAddr, "files-addr", "127.0.0.1:0", "files host listen address")
	flag.Int64Var(&opts.FilesBandwidth, "bandwidth", 0, "files host bytes/second per response (0 = unlimited)")
	flag.BoolVar(&opts.HTMLOnly, "html-only", false, "serve only HTML simple pages")
	flag.IntVar(&opts.ChangelogPageSize, "changelog-page-size", 0, "rows per changelog_since_serial call (0 = 50000)")
	flag.Parse()
	if *cpuProf != "" {
		stopProfile, err := startCPUProfile(*cpuProf)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer stopProfile()
	}

	u, err := fakepypi.Start(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer u.Close()
	if !*noDemo {
		fakepypi.PublishDemo(u)
	}
	if *generate > 0 {
		u.GenerateProjects(*generate, *releases)
	}
	for _, n := range bigFiles {
		data := make([]byte, n)
		_, _ = rand.NewChaCha8([32]byte{}).Read(data) // deterministic, incompressible
		u.AddFile(fmt.Sprintf("big-%d", n), "1.0", fmt.Sprintf("big_%d-1.0.tar.gz", n), data)
	}
	lines := []string{
		"index=" + u.IndexURL(),
		"base=" + u.BaseURL(),
		"files=" + u.FilesURL(),
		"xmlrpc=" + u.XMLRPCURL(),
		fmt.Sprintf("serial=%d", u.Serial()),
	}
	if *ctlAddr != "" {
		ln, err := net.Listen("tcp", *ctlAddr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "control:", err)
			os.Exit(1)
		}
		go http.Serve(ln, u.ControlHandler())
		lines = append(lines, "control=http://"+ln.Addr().String())
	}
	urls := strings.Join(lines, "\n") + "\n"
	fmt.Print(urls)
	if *urlsFile != "" {
		if err := os.WriteFile(*urlsFile, []byte(urls), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *onHUP > 0 {
		go publishOnHUP(ctx, u, *onHUP)
	}
	<-ctx.Done()
}

// publishOnHUP publishes release 2.0.<k> of genpkg-000000 .. genpkg-<n-1> on the k-th SIGHUP.
func publishOnHUP(ctx context.Context, u *fakepypi.Upstream, n int) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	for k := 0; ; k++ {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		for i := range n {
			u.Publish(fmt.Sprintf("genpkg-%06d", i), fakepypi.Release{Version: fmt.Sprintf("2.0.%d", k), Wheel: true})
		}
		fmt.Fprintf(os.Stderr, "published 2.0.%d of %d projects, serial %d\n", k, n, u.Serial())
	}
}

// startCPUProfile profiles the process into path until the returned stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// parseSize reads a byte count: a number with an optional KiB, MiB or GiB suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if v, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = v, m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
