package main

import (
	"github.com/spf13/pflag"

	"github.com/pypi-proxy/pypi-proxy/prefetch/filter"
)

// filterFlags are the mirror filters, shared by `mirror` and `serve --prefetch`.
type filterFlags struct {
	cfg            filter.Config
	maxFileSize    sizeValue
	maxProjectSize sizeValue
}

// register maps prefetch/filter's Config onto flags.
func (ff *filterFlags) register(fs *pflag.FlagSet) {
	f := &ff.cfg
	fs.StringArrayVar(&f.Allow, "allow", nil, "mirror only these projects: a name or a requirement like 'numpy>=1.24,<2' (repeatable)")
	fs.StringArrayVar(&f.Block, "block", nil, "never mirror this project, or these releases of it: 'name' or 'name<2' (repeatable)")
	fs.StringArrayVar(&f.RequirementsFiles, "requirements", nil, "add a pip requirements file's requirements to --allow (repeatable)")
	fs.BoolVar(&f.RequirementsNamesOnly, "requirements-names-only", false, "take only the project names from --requirements files")
	fs.BoolVar(&f.WithDependencies, "with-dependencies", false, "also mirror the allowlist's dependency closure, read from the wheels' core metadata")
	fs.BoolVar(&f.ExcludePrereleases, "exclude-prereleases", false, "drop pre-releases and dev releases")
	fs.IntVar(&f.KeepLatest, "keep-latest", 0, "keep only the latest N releases of each project (0: all)")
	fs.StringArrayVar(&f.Platforms, "platform", nil, "keep only wheels whose platform tag matches this glob, e.g. 'manylinux*_x86_64', 'any' (repeatable)")
	fs.StringArrayVar(&f.ExcludePlatforms, "exclude-platform", nil, "drop wheels for this platform glob or bandersnatch name: windows, macos, freebsd, linux, py2.7 (repeatable)")
	fs.StringArrayVar(&f.PythonTags, "python-tag", nil, "keep only wheels whose python tag matches this glob, e.g. 'py3', 'cp3*' (repeatable)")
	fs.Var(&ff.maxFileSize, "max-file-size", "drop files larger than this (e.g. 200MiB; 0: no limit)")
	fs.Var(&ff.maxProjectSize, "max-project-size", "drop a project's files when they add up to more than this (0: no limit)")
	fs.DurationVar(&f.Cooldown, "cooldown", 0, "hold back files uploaded less than this long ago (e.g. 72h)")
	fs.StringArrayVar(&f.NameRegex, "name-regex", nil, "mirror only projects whose normalized name matches this Go regexp (repeatable)")
	fs.StringArrayVar(&f.BlockNameRegex, "block-name-regex", nil, "never mirror projects whose normalized name matches this Go regexp (repeatable)")
	fs.StringArrayVar(&f.ReleaseRegex, "release-regex", nil, "drop releases whose version matches this Go regexp (repeatable)")
}

// build validates the filters.
func (ff *filterFlags) build() (*filter.Set, error) {
	if ff.cfg.MaxFileSize == 0 {
		ff.cfg.MaxFileSize = int64(ff.maxFileSize)
	}
	if ff.cfg.MaxProjectSize == 0 {
		ff.cfg.MaxProjectSize = int64(ff.maxProjectSize)
	}
	set, err := filter.New(ff.cfg)
	if err != nil {
		return nil, usageErr("filters: %v", err)
	}
	return set, nil
}
