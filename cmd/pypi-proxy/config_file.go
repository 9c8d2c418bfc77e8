package main

import (
	"bufio"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// applyConfigFile sets the flags that neither the command line nor the
// environment set from a config file. The format, one setting per line:
//
//	# comment
//	upstream = https://pypi.example.com/simple/
//	index-ttl = 5m
//	allow = numpy>=1.24   # a list flag may be given on several lines
//
// Names are the flags' names without the leading dashes; values are taken
// after the "=" (surrounding spaces, a trailing " # comment" and one pair
// of quotes removed). One file serves every command: a setting another
// command owns (listen, for mirror) is skipped, a name no command has is
// an error, so typos do not pass silently.
func applyConfigFile(fs *pflag.FlagSet, path string, explicit map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return usageErr("--config: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, value, ok := strings.Cut(text, "=")
		if !ok {
			return usageErr("%s:%d: want name = value", path, line)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if i := strings.Index(value, " #"); i >= 0 {
			value = strings.TrimSpace(value[:i])
		}
		value = unquote(value)
		flag := fs.Lookup(strings.TrimLeft(name, "-"))
		if flag == nil && allSettings()[strings.TrimLeft(name, "-")] {
			continue // another command's setting (listen is serve's)
		}
		if flag == nil || flag.Name == "config" {
			return usageErr("%s:%d: unknown setting %q", path, line, name)
		}
		if explicit[flag.Name] {
			continue
		}
		if err := fs.Set(flag.Name, value); err != nil {
			return usageErr("%s:%d: %s: %v", path, line, name, err)
		}
	}
	if err := sc.Err(); err != nil {
		return usageErr("--config: %v", err)
	}
	return nil
}
