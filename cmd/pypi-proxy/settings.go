package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/pflag"
)

// allSettings is every flag name of every subcommand: one config file and
// one environment serve them all, each command taking what it owns.
var allSettings = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	for _, fs := range []*pflag.FlagSet{
		serveFlags(&serveConfig{}), mirrorFlags(&mirrorConfig{}), verifyFlags(&verifyConfig{}), healthcheckFlags(new(healthcheckConfig)),
	} {
		fs.VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
	}
	return names
})

// notEnvSettings are PYPI_PROXY_* variables that are not flags but known:
// the test suite's switches (the MinIO binary of the S3 tests).
var notEnvSettings = []string{"PYPI_PROXY_E2E_REQUIRED", "PYPI_PROXY_MINIO"}

// warnUnknownEnv names the PYPI_PROXY_* variables no command reads: a
// misspelt PYPI_PROXY_UPSTRAM must not pass silently.
func warnUnknownEnv(w io.Writer) {
	known := map[string]bool{}
	for name := range allSettings() {
		known[envName(name)] = true
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PYPI_PROXY_") && !known[name] && !slices.Contains(notEnvSettings, name) {
			fmt.Fprintf(w, "pypi-proxy: warning: unknown environment variable %s (no such setting)\n", name)
		}
	}
}

// isList says whether a flag takes several values (repeatable flags).
func isList(f *pflag.Flag) bool {
	return strings.HasSuffix(f.Value.Type(), "Array") || strings.HasSuffix(f.Value.Type(), "Slice")
}

// splitList splits a list value from the environment: one value per line,
// or separated by commas. A comma followed by a version operator stays in
// its requirement ('numpy>=1.24,<2'), and regular expressions (whose
// {m,n} has commas) split on new lines only.
func splitList(flag, v string) []string {
	var out []string
	for _, line := range strings.Split(v, "\n") {
		parts := []string{line}
		if !strings.HasSuffix(flag, "regex") {
			parts = strings.Split(line, ",")
		}
		for _, p := range parts {
			p = strings.TrimSpace(p)
			switch {
			case p == "":
			case len(out) > 0 && strings.ContainsAny(p[:1], "<>=!~") && len(parts) > 1:
				out[len(out)-1] += "," + p
			default:
				out = append(out, p)
			}
		}
	}
	return out
}

// setFromEnv sets a flag from its environment variable's value; list
// flags take every value of the list.
func setFromEnv(fs *pflag.FlagSet, f *pflag.Flag, v string) error {
	if !isList(f) {
		return fs.Set(f.Name, v)
	}
	for _, item := range splitList(f.Name, v) {
		if err := fs.Set(f.Name, item); err != nil {
			return err
		}
	}
	return nil
}

// unquote strips one pair of matching quotes around a config file value.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// helpToStdout makes --help print the command's flags on stdout (so that
// `pypi-proxy serve --help | less` shows them); errors stay on stderr.
func helpToStdout(fs *pflag.FlagSet, stdout io.Writer) {
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: pypi-proxy %s [flags]\n\nFlags:\n%s", fs.Name(), fs.FlagUsages())
		fmt.Fprintf(stdout, "\nEvery flag may also be set with PYPI_PROXY_<FLAG> (e.g. %s) or in a --config file.\n",
			envName("upstream"))
	}
}
