package filter

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// MirrorSettings are the [mirror] settings of a bandersnatch.conf that
// pypi-proxy shares. Zero values mean "not set" (the caller applies its own
// default), except ReleaseFiles (bandersnatch's default true) and
// SimpleFormat (default "ALL").
type MirrorSettings struct {
	Directory    string
	Master       string
	Workers      int
	JSON         bool
	ReleaseFiles bool
	Timeout      time.Duration
	StopOnError  bool
	SimpleFormat string // "HTML", "JSON" or "ALL"
	// Ignored lists what the file sets but pypi-proxy does not apply, one
	// "section.key (reason)" or "plugin name (reason)" per entry, in file order,
	// so that the caller can warn.
	Ignored []string
}

// plugins LoadBandersnatchConf applies; "enabled = all" turns all of them on.
var knownPlugins = []string{
	"allowlist_project", "allowlist_release", "blocklist_project", "blocklist_release",
	"project_requirements", "project_requirements_pinned", "prerelease_release",
	"regex_project", "regex_release", "exclude_platform", "latest_release", "size_project_metadata",
}

// pluginAliases are the names bandersnatch used before 5.0.
var pluginAliases = map[string]string{
	"whitelist_project": "allowlist_project", "whitelist_release": "allowlist_release",
	"blacklist_project": "blocklist_project", "blacklist_release": "blocklist_release",
}

// LoadBandersnatchConf reads a bandersnatch.conf and returns the filter Config
// and mirror settings it describes. Filter sections apply only through the
// plugins listed in [plugins] enabled ("all" enables every plugin), as in
// bandersnatch: [allowlist] packages/requirements_path/requirements,
// [blocklist] packages/platforms, [filter_prerelease] packages,
// [filter_regex] packages/releases, [latest_release] keep,
// [size_project_metadata] max_package_size. The pre-5.0 names
// ([whitelist], [blacklist], *list_project) are accepted. The returned Config
// has been validated with New; requirements files are resolved against
// requirements_path (default "/"; relative to the config file's directory).
func LoadBandersnatchConf(path string) (Config, MirrorSettings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, MirrorSettings{}, fmt.Errorf("bandersnatch config: %w", err)
	}
	ini, err := parseINI(data)
	if err != nil {
		return Config{}, MirrorSettings{}, fmt.Errorf("bandersnatch config %s: %w", path, err)
	}
	l := &confLoader{path: path, ini: ini, used: map[string]string{}}
	ms, err := l.mirror()
	if err == nil {
		var cfg Config
		if cfg, err = l.filters(); err == nil {
			if _, err = New(cfg); err == nil {
				ms.Ignored = l.ignored()
				return cfg, ms, nil
			}
		}
	}
	return Config{}, MirrorSettings{}, fmt.Errorf("bandersnatch config %s: %w", path, err)
}

type confLoader struct {
	path    string
	ini     *iniFile
	enabled map[string]bool
	used    map[string]string // "section.key" -> "" when applied, else why not
	notes   []string
}

// value returns section.key and marks it applied, or ignored with reason.
func (l *confLoader) value(section, key string, apply bool, reason string) (string, bool) {
	v, ok := l.ini.sections[section].get(key)
	if ok {
		if apply {
			l.used[section+"."+key] = ""
		} else {
			l.used[section+"."+key] = reason
		}
	}
	return v, ok && apply
}

func (l *confLoader) mirror() (MirrorSettings, error) {
	ms := MirrorSettings{ReleaseFiles: true, SimpleFormat: "ALL"}
	get := func(key string) (string, bool) { return l.value("mirror", key, true, "") }
	ms.Directory, _ = get("directory")
	ms.Master, _ = get("master")
	if v, ok := get("workers"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return ms, fmt.Errorf("[mirror] workers = %q: want a positive integer", v)
		}
		ms.Workers = n
	}
	if v, ok := get("timeout"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return ms, fmt.Errorf("[mirror] timeout = %q: want a positive number of seconds", v)
		}
		ms.Timeout = time.Duration(f * float64(time.Second))
	}
	if v, ok := get("simple-format"); ok {
		ms.SimpleFormat = strings.ToUpper(v)
		if ms.SimpleFormat != "HTML" && ms.SimpleFormat != "JSON" && ms.SimpleFormat != "ALL" {
			return ms, fmt.Errorf("[mirror] simple-format = %q: want HTML, JSON or ALL", v)
		}
		if ms.SimpleFormat != "ALL" {
			l.used["mirror.simple-format"] = "pypi-proxy writes every format, as ALL"
		}
	}
	if err := l.sameLayout(); err != nil {
		return ms, err
	}
	for key, dst := range map[string]*bool{"json": &ms.JSON, "release-files": &ms.ReleaseFiles, "stop-on-error": &ms.StopOnError} {
		if v, ok := get(key); ok {
			b, err := iniBool(v)
			if err != nil {
				return ms, fmt.Errorf("[mirror] %s: %w", key, err)
			}
			*dst = b
		}
	}
	return ms, nil
}

// sameLayout refuses the settings under which bandersnatch's directory is
// not the tree pypi-proxy reads and writes (pages under web/simple/<name>/
// on a local file system); their defaults are accepted silently.
func (l *confLoader) sameLayout() error {
	if v, ok := l.value("mirror", "hash-index", true, ""); ok {
		b, err := iniBool(v)
		if err != nil {
			return fmt.Errorf("[mirror] hash-index: %w", err)
		}
		if b {
			return fmt.Errorf("[mirror] hash-index = true puts pages under web/simple/<letter>/<name>/; pypi-proxy reads and writes web/simple/<name>/ (bandersnatch's default): move the pages or start a new directory")
		}
	}
	if v, ok := l.value("mirror", "storage-backend", true, ""); ok && !strings.EqualFold(v, "filesystem") {
		return fmt.Errorf("[mirror] storage-backend = %s: pypi-proxy mirrors to a local directory only", v)
	}
	return nil
}

func (l *confLoader) plugins() {
	l.enabled = map[string]bool{}
	v, _ := l.value("plugins", "enabled", true, "")
	for _, name := range iniList(v) {
		name = strings.ToLower(name)
		if alias, ok := pluginAliases[name]; ok {
			name = alias
		}
		switch {
		case name == "all":
			for _, p := range knownPlugins {
				l.enabled[p] = true
			}
		case contains(knownPlugins, name):
			l.enabled[name] = true
		default:
			l.notes = append(l.notes, "plugin "+name+" (not supported)")
		}
	}
}

// section returns the first of the given section names present in the file.
func (l *confLoader) section(names ...string) string {
	for _, n := range names {
		if _, ok := l.ini.sections[n]; ok {
			return n
		}
	}
	return names[0]
}

// list reads a list-valued key that applies when any of plugins is enabled.
func (l *confLoader) list(section, key string, plugins ...string) []string {
	on := false
	for _, p := range plugins {
		on = on || l.enabled[p]
	}
	v, ok := l.value(section, key, on, "plugin "+strings.Join(plugins, "/")+" not enabled")
	if !ok {
		return nil
	}
	return iniList(v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
