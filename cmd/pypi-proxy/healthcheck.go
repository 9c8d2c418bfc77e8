package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/pflag"
)

// healthcheckConfig is everything `pypi-proxy healthcheck` is told.
type healthcheckConfig struct {
	url     string
	timeout time.Duration
}

func healthcheckFlags(cfg *healthcheckConfig) *pflag.FlagSet {
	fs := pflag.NewFlagSet("healthcheck", pflag.ContinueOnError)
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:3141/healthz", "health endpoint to probe")
	fs.DurationVar(&cfg.timeout, "timeout", 3*time.Second, "give up after this long")
	return fs
}

// runHealthcheck probes a running proxy (for container HEALTHCHECKs, where
// there is no curl): exit 0 when /healthz answers 200.
func runHealthcheck(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg healthcheckConfig
	fs := healthcheckFlags(&cfg)
	helpToStdout(fs, stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.timeout <= 0 {
		return usageErr("--timeout must be > 0")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.url, nil)
	if err != nil {
		return usageErr("--url: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", cfg.url, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
