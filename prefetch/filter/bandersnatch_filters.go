package filter

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// filters maps the enabled plugins and their sections onto a Config.
func (l *confLoader) filters() (Config, error) {
	l.plugins()
	var cfg Config
	allow := l.section("allowlist", "whitelist")
	block := l.section("blocklist", "blacklist")

	for _, entry := range l.list(allow, "packages", "allowlist_project", "allowlist_release") {
		r, err := parseRequirement(entry)
		if err != nil {
			return cfg, fmt.Errorf("[%s] packages: %w", allow, err)
		}
		switch {
		case l.enabled["allowlist_release"] && (r.specs != nil || l.enabled["allowlist_project"]):
			cfg.Allow = append(cfg.Allow, entry)
		case l.enabled["allowlist_project"]:
			cfg.Allow = append(cfg.Allow, r.name)
		}
	}
	if l.enabled["allowlist_release"] && !l.enabled["allowlist_project"] && len(cfg.Allow) > 0 {
		l.notes = append(l.notes, "allowlist_release without allowlist_project (the listed projects become the only ones mirrored)")
	}
	for _, entry := range l.list(block, "packages", "blocklist_project", "blocklist_release") {
		r, err := parseRequirement(entry)
		if err != nil {
			return cfg, fmt.Errorf("[%s] packages: %w", block, err)
		}
		if (r.specs == nil && l.enabled["blocklist_project"]) || (r.specs != nil && l.enabled["blocklist_release"]) {
			cfg.Block = append(cfg.Block, entry)
		}
	}
	files, err := l.requirementsFiles(allow)
	if err != nil {
		return cfg, err
	}
	cfg.RequirementsFiles = files
	cfg.RequirementsNamesOnly = !l.enabled["project_requirements_pinned"]

	cfg.ExcludePlatforms = l.list(block, "platforms", "exclude_platform")
	cfg.ExcludePrereleases = l.enabled["prerelease_release"]
	cfg.PrereleaseProjects = l.list("filter_prerelease", "packages", "prerelease_release")
	for _, re := range l.list("filter_regex", "packages", "regex_project") {
		cfg.BlockNameRegex = append(cfg.BlockNameRegex, "^(?:"+re+")") // Python re.match
	}
	for _, re := range l.list("filter_regex", "releases", "regex_release") {
		cfg.ReleaseRegex = append(cfg.ReleaseRegex, "^(?:"+re+")")
	}
	if v, ok := l.value("latest_release", "keep", l.enabled["latest_release"], "plugin latest_release not enabled"); ok {
		if cfg.KeepLatest, err = strconv.Atoi(strings.TrimSpace(v)); err != nil || cfg.KeepLatest < 0 {
			return cfg, fmt.Errorf("[latest_release] keep = %q: want a non-negative integer", v)
		}
	}
	if v, ok := l.value("size_project_metadata", "max_package_size", l.enabled["size_project_metadata"], "plugin size_project_metadata not enabled"); ok {
		if cfg.MaxProjectSize, err = parseSize(v); err != nil {
			return cfg, fmt.Errorf("[size_project_metadata] max_package_size: %w", err)
		}
		if !l.enabled["allowlist_project"] && len(l.ini.sections[allow].values["packages"]) > 0 {
			l.notes = append(l.notes, "size_project_metadata exemption of ["+allow+"] packages (not supported: the size limit applies to them too)")
		}
	}
	return cfg, nil
}

// requirementsFiles resolves [allowlist] requirements (file names or globs)
// against requirements_path.
func (l *confLoader) requirementsFiles(allow string) ([]string, error) {
	names := l.list(allow, "requirements", "project_requirements", "project_requirements_pinned")
	base, hasBase := l.value(allow, "requirements_path", len(names) > 0, "no requirements to resolve")
	if !hasBase {
		base = "/"
	}
	if !filepath.IsAbs(base) {
		base = filepath.Join(filepath.Dir(l.path), base)
		if abs, err := filepath.Abs(base); err == nil {
			base = abs
		}
	}
	var out []string
	for _, n := range names {
		p := n
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, n)
		}
		if !strings.ContainsAny(n, "*?[") {
			out = append(out, p)
			continue
		}
		matches, err := filepath.Glob(p)
		if err != nil || len(matches) == 0 {
			return nil, fmt.Errorf("[%s] requirements: %q matches no file under %s", allow, n, base)
		}
		out = append(out, matches...)
	}
	return out, nil
}

// parseSize reads a byte count: an integer, or a number with a K, M, G or T
// suffix (powers of 1024; "B" or "iB" after it is allowed): "1G", "500M", "1.5G".
func parseSize(v string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	mult := int64(1)
	if s != "" {
		if i := strings.IndexByte("KMGT", s[len(s)-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			s = strings.TrimSpace(s[:len(s)-1])
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a size (bytes, or a number with K, M, G or T)", v)
	}
	return int64(f * float64(mult)), nil
}

// ignored lists, in file order, every section and key that was not applied.
func (l *confLoader) ignored() []string {
	var out []string
	for _, name := range l.ini.order {
		sec := l.ini.sections[name]
		for _, key := range sec.keys {
			reason, seen := l.used[name+"."+key]
			switch {
			case !seen:
				out = append(out, name+"."+key+" (not supported)")
			case reason != "":
				out = append(out, name+"."+key+" ("+reason+")")
			}
		}
	}
	return append(out, l.notes...)
}
