package proxy

import (
	"fmt"
	"html/template"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/units"
)

// statusPage is the page at /: plain server-rendered HTML with inline
// styles and no external assets, readable without JavaScript.
var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"bytes":   humanBytes,
	"percent": func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"ago":     ago,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pypi-proxy</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;background:#fff}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}
.lead{color:#57606a;margin-top:0}
pre{background:#f3f5f7;border:1px solid #d0d7de;border-radius:6px;padding:.7rem 1rem;overflow-x:auto}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #eaeef2}
th{background:#f6f8fa}.ok{color:#1a7f37;font-weight:bold}.bad{color:#cf222e;font-weight:bold}
.num{text-align:right;font-variant-numeric:tabular-nums}
</style></head>
<body>
<h1>pypi-proxy</h1>
<p class="lead">A caching proxy and mirror of the Python Package Index{{if .Upstream.URL}} for <code>{{.Upstream.URL}}</code>{{end}}{{if .Version}} (version {{.Version}}){{end}}.
Files and index pages are fetched once from upstream and served from the cache afterwards.</p>

<h2>Use it</h2>
<p>pip:</p><pre>{{.Clients.Pip}}</pre>
<p>uv:</p><pre>{{.Clients.UV}}</pre>
<p>poetry (1.5 or later; see the README for 1.3 and 1.4):</p><pre>{{.Clients.Poetry}}</pre>

<h2>Health</h2>
<table>
<tr><th>Upstream</th><td>{{if .Upstream.OK}}<span class="ok">reachable</span>{{else if .Upstream.Offline}}offline (serving the cache only){{else}}<span class="bad">unreachable</span>: {{.Upstream.State}}{{end}}</td></tr>
<tr><th>Cache size</th><td>{{if .Cache.SizeKnown}}{{bytes .Cache.Bytes}} in {{.Cache.Files}} files{{else}}being measured{{end}}</td></tr>
<tr><th>Hit ratio</th><td>{{if .Cache.Requests}}{{percent .Cache.HitRatio}} of {{.Cache.Requests}} requests since start{{else}}no requests yet{{end}}</td></tr>
</table>

<h2>Mirror</h2>
{{if .Mirror.Mirrored}}<table>
<tr><th>Last synced serial</th><td>{{.Mirror.LastSerial}}</td></tr>
{{if .Mirror.UpstreamSerial}}<tr><th>Upstream serial</th><td>{{.Mirror.UpstreamSerial}} (lag: {{.Mirror.Lag}})</td></tr>{{end}}
<tr><th>Last pass</th><td>{{if not .Mirror.LastPass.IsZero}}{{ago .Mirror.LastPass}}{{else}}unknown{{end}}</td></tr>
{{if .Mirror.Pending}}<tr><th>Unfinished pass</th><td>{{.Mirror.Pending}} projects to do</td></tr>{{end}}
</table>{{else}}<p>This cache is not a mirror: files and pages are fetched when first asked for
(run <code>pypi-proxy mirror</code> or <code>serve --prefetch</code> to mirror eagerly).</p>{{end}}

<h2>Recent downloads</h2>
{{if .Downloads}}<table><tr><th>File</th><th class="num">Size</th><th>Cache</th><th class="num">Time</th><th>When</th></tr>
{{range .Downloads}}<tr><td>{{.File}}</td><td class="num">{{bytes .Bytes}}</td><td>{{.Cache}}</td><td class="num">{{printf "%.3f s" .Seconds}}</td><td>{{ago .At}}</td></tr>
{{end}}</table>{{else}}<p>No file downloaded since start.</p>{{end}}

<p class="lead">Machine-readable: <a href="/status">/status</a> (JSON), <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a>.</p>
</body></html>
`))

// humanBytes writes a byte count in binary units: 1.5 GiB, 320 KiB, 12 B.
func humanBytes(n int64) string { return units.Bytes(n) }

// ago says how long ago t was, to the second.
func ago(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	if d < time.Second {
		return "just now"
	}
	return d.String() + " ago"
}
