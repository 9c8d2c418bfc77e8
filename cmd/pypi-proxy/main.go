// Command pypi-proxy is a caching proxy and mirror for the Python Package Index.
//
//	pypi-proxy serve    answer pip, uv and poetry from the cache, fetching upstream on a miss
//	pypi-proxy version  print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `pypi-proxy: a caching proxy and mirror for the Python Package Index

Usage:
  pypi-proxy serve [flags]     serve the Simple API from the cache, fetching upstream on a miss
  pypi-proxy mirror [flags]    sync the cache directory with upstream once (a full or filtered mirror)
  pypi-proxy verify [flags]    check every file against its page's sha256; --repair, --delete-unowned
  pypi-proxy healthcheck       probe a running proxy's /healthz (for containers)
  pypi-proxy version           print the version

Run "pypi-proxy COMMAND --help" for a command's flags. Every flag may also be
set with an environment variable PYPI_PROXY_<FLAG> (e.g. PYPI_PROXY_UPSTREAM).
`

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr)
	case "mirror":
		err = runMirror(ctx, args[1:], stdout, stderr)
	case "verify":
		err = runVerify(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		err = runHealthcheck(ctx, args[1:], stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "pypi-proxy", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "pypi-proxy: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var exit *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		fmt.Fprintln(stderr, "pypi-proxy:", exit.msg)
		return exit.code
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "pypi-proxy:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "pypi-proxy:", err)
		return 1
	}
}
