package main

import "github.com/spf13/pflag"

// trustFlags are the upstream trust policy: where files may come from and
// whether a file with no usable sha256 may be served at all.
type trustFlags struct {
	fileHosts       []string
	allowUnverified bool
}

func (t *trustFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&t.fileHosts, "trusted-file-host", nil,
		"host or host:port files may be fetched from besides the index's own and files.pythonhosted.org for pypi.org (repeatable; applies to every --index)")
	fs.BoolVar(&t.allowUnverified, "allow-unverified-files", false,
		"serve files whose page gives no usable sha256, streamed and never cached (default: such files are left out of the pages and refused)")
}

// apply copies the policy into a machinery config.
func (t *trustFlags) apply(cfg *machineryConfig) {
	cfg.trustedFileHosts, cfg.allowUnverified = t.fileHosts, t.allowUnverified
}
