// Command fakepypi runs the hermetic fake PyPI (index and files hosts) until SIGINT or SIGTERM,
// for benchmark scripts and end-to-end tests with nginx and pip.
//
//	fakepypi -addr 127.0.0.1:8081 -files-addr 127.0.0.1:8082 -generate 5000 -bandwidth 10000000
//
// It publishes the demo set (fakepypi.PublishDemo) unless -no-demo, and prints the URLs, one
// "key=value" per line (index, base, files, xmlrpc, serial), to stdout and to -urls-file if given.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
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
	)
	flag.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "index host listen address")
	flag.StringVar(&opts.FilesAddr, "files-addr", "127.0.0.1:0", "files host listen address")
	flag.Int64Var(&opts.FilesBandwidth, "bandwidth", 0, "files host bytes/second per response (0 = unlimited)")
	flag.BoolVar(&opts.HTMLOnly, "html-only", false, "serve only HTML simple pages")
	flag.IntVar(&opts.ChangelogPageSize, "changelog-page-size", 0, "rows per changelog_since_serial call (0 = 50000)")
	flag.Parse()

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
	urls := strings.Join([]string{
		"index=" + u.IndexURL(),
		"base=" + u.BaseURL(),
		"files=" + u.FilesURL(),
		"xmlrpc=" + u.XMLRPCURL(),
		fmt.Sprintf("serial=%d", u.Serial()),
	}, "\n") + "\n"
	fmt.Print(urls)
	if *urlsFile != "" {
		if err := os.WriteFile(*urlsFile, []byte(urls), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}
