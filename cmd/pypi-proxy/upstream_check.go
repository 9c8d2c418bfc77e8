package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// correctKnownSiteRoot turns the site root or JSON API URL of a well-known
// index (https://pypi.org, https://pypi.org/pypi) into its Simple API root,
// as pip users expect, and says so.
func (u *upstreamFlags) correctKnownSiteRoot(log *slog.Logger) {
	fixed, ok := upstream.KnownSiteRoot(u.upstream)
	if !ok {
		return
	}
	log.Warn("--upstream is not a Simple API root; using the index's root instead",
		"given", redact(u.upstream), "using", redact(fixed))
	u.upstream = fixed
}

// checkUpstreamRoot asks whether upstream answers like a Simple API root.
// It returns nil when it does, or when it cannot be reached (that is for
// the retries and /readyz to handle); otherwise an error that names the
// URL and, when <site>/simple/ would do, says so.
func checkUpstreamRoot(ctx context.Context, up *upstream.Client) error {
	err := up.CheckRoot(ctx)
	if !errors.Is(err, upstream.ErrNotSimpleRoot) {
		return nil
	}
	msg := fmt.Sprintf("--upstream %s %v", redact(up.IndexURL().String()), err)
	if alt := likelierRoot(up.IndexURL()); alt != "" && up.CheckRootURL(ctx, alt) == nil {
		msg += fmt.Sprintf("; %s does: use --upstream %s", redact(alt), redact(alt))
	} else {
		msg += "; give the URL pip's --index-url would take (it usually ends in /simple/)"
	}
	return errors.New(msg)
}

// likelierRoot is <site>/simple/ for an upstream URL that does not end in
// simple/ (a site root, a /pypi JSON API URL), else "".
func likelierRoot(u *url.URL) string {
	if strings.HasSuffix(u.Path, "/simple/") {
		return ""
	}
	alt := *u
	alt.User = nil
	alt.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/pypi") + "/simple/"
	return alt.String()
}

// warnIfNotSimpleRoot is serve's check, run in the background: a wrong
// upstream does not stop the proxy (the cache still serves), but says so
// loudly.
func warnIfNotSimpleRoot(ctx context.Context, up *upstream.Client, log *slog.Logger) {
	if err := checkUpstreamRoot(ctx, up); err != nil && ctx.Err() == nil {
		log.Error("UPSTREAM MISCONFIGURED: serving only what is cached; every other project will be missing", "err", err)
	}
}
