package main

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/proxy/upstream"
)

// checkDurations refuses a negative value for any duration flag: no
// setting of ours means anything by "-5m".
func checkDurations(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Value.Type() != "duration" {
			return
		}
		if d, perr := time.ParseDuration(f.Value.String()); perr == nil && d < 0 {
			err = usageErr("--%s %s: a duration must not be negative", f.Name, f.Value)
		}
	})
	return err
}

// errNoHome is defaultCacheDir's failure: without HOME (or XDG_CACHE_HOME)
// there is no sane default, and a relative one would follow the working
// directory.
var errNoHome = errors.New("--cache-dir: no default: neither XDG_CACHE_HOME nor HOME is set; give --cache-dir (an absolute path)")

// defaultCacheDir is ~/.cache/pypi-proxy (the user cache directory), or ""
// when there is none: see checkCacheDir.
func defaultCacheDir() string {
	if dir, err := os.UserCacheDir(); err == nil && filepath.IsAbs(dir) {
		return filepath.Join(dir, "pypi-proxy")
	}
	return ""
}

// checkCacheDir refuses an empty cache directory (no default could be
// made).
func checkCacheDir(dir string) error {
	if dir == "" {
		return usageErr("%v", errNoHome)
	}
	return nil
}

// checkCredentials refuses a password without a user name to go with
// it (from --upstream-username or the URL's user:pass@).
func checkCredentials(rawUpstream, username, password string) error {
	if password == "" || username != "" {
		return nil
	}
	if iu, err := upstream.ParseIndexURL(rawUpstream); err == nil && iu.User != nil && iu.User.Username() != "" {
		return nil
	}
	return usageErr("--upstream-password is set but --upstream-username is not (nor a user in --upstream)")
}
