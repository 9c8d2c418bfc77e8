#!/usr/bin/env bash
# PyPI scale (issue 15), one run, every figure a ratio:
#  1. revalidation: the root listing PROJECTS generated projects (seeded: fakepypi -generate), fetched once, then
#     REVAL requests with pip's Cache-Control: max-age=0, each an upstream 304: the proxy's time per request
#     and CPU per request, against a conditional GET straight to the fake (the 304 itself);
#  2. memory: DISTINCT distinct project pages through a proxy with --memory MEMORY: RSS against MEMORY;
#  1b. a changed root: CHANGES times the fake publishes a release (SIGHUP), which changes the root; the proxy's CPU
#     for the one request that fetches, parses, renders and stores the new root (goal < 1 s at 650,000 projects);
#  3. pages not in memory: a proxy restarted --offline with --memory 1MiB serves the root (gzip, from its stored
#     copy with sendfile) vs nginx gzip_static on the same tree, wrk -t2 -c16 -d5s;
#  4. the same proxy and nginx serving the DISTINCT project pages in turn (gzip; wrk with bench/spread.lua), none in
#     memory: goal >= 0.8x nginx;
#  5. the same pages through a proxy restarted with --memory SPREAD_MEMORY (256MiB, the default), each page asked
#     once first (untimed): what fits stays in memory (descriptors, renderings), the rest is sent from the tree;
#     then RSS against SPREAD_MEMORY.
# Usage: bench/scale.sh   (PROJECTS=100000 DISTINCT=20000 REVAL=20 CHANGES=3 MEMORY=64MiB)
#        PROJECTS=650000 DISTINCT=500000 bench/scale.sh     # the issue's figures
source "$(dirname "$0")/lib.sh"
need curl wrk nginx
PROJECTS=${PROJECTS:-100000}
DISTINCT=${DISTINCT:-20000}
REVAL=${REVAL:-20}
CHANGES=${CHANGES:-3}
MEMORY=${MEMORY:-64MiB}
SPREAD_MEMORY=${SPREAD_MEMORY:-256MiB}
build
start_fake up -generate "$PROJECTS" -releases 1 -publish-on-hup 1
FAKE_PID=${PIDS[-1]}
tree=$RUN/tree
start_proxy "$tree" "$FAKE_INDEX" --memory "$MEMORY" --log-level warn
accept='Accept: application/vnd.pypi.simple.v1+json'
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # utime + stime, clock ticks
hz=$(getconf CLK_TCK)

# 1. revalidation
t_miss=$(curl -s -o /dev/null -w '%{time_total}' -H "$accept" "$PROXY/simple/")
size=$(stat -c %s "$tree/web/simple/index.v1_json")
etag=$(curl -s -D - -o /dev/null -H "$accept" "$FAKE_INDEX" | sed -n 's/^[Ee][Tt]ag: //p' | tr -d '\r')
direct=() proxied=()
c0=$(cpu "$PROXY_PID")
for _ in $(seq "$REVAL"); do
	proxied+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$accept" -H 'Cache-Control: max-age=0' "$PROXY/simple/")")
	direct+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$accept" -H "If-None-Match: $etag" "$FAKE_INDEX")")
done
c1=$(cpu "$PROXY_PID")
mp=$(median "${proxied[@]}") md=$(median "${direct[@]}")
cpu_ms=$(awk -v a="$c0" -v b="$c1" -v n="$REVAL" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }')
printf 'root: %d projects, %d bytes of JSON; first fetch through the proxy %.0f ms\n' "$PROJECTS" "$size" "$(awk -v t="$t_miss" 'BEGIN { print t * 1000 }')"
printf '%-52s %10s %10s %8s\n' "revalidated root (upstream 304), median of $REVAL" "proxy ms" "304 ms" ratio
printf '%-52s %10.2f %10.2f %7sx\n' "client time" "$(awk -v t="$mp" 'BEGIN { print t * 1000 }')" "$(awk -v t="$md" 'BEGIN { print t * 1000 }')" "$(ratio "$mp" "$md")"
printf '%-52s %10s\n' "proxy CPU per revalidation (ms)" "$cpu_ms"

# 1b. changed root
fake_etag() { curl -s -D - -o /dev/null -H "$accept" "$FAKE_INDEX" | sed -n 's/^[Ee][Tt]ag: //p' | tr -d '\r'; }
changed_ms=() changed_cpu=()
for _ in $(seq "$CHANGES"); do
	before=$(fake_etag)
	kill -HUP "$FAKE_PID"
	for _ in $(seq 600); do [ "$(fake_etag)" != "$before" ] && break; sleep 0.05; done
	c0=$(cpu "$PROXY_PID")
	changed_ms+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$accept" -H 'Cache-Control: max-age=0' "$PROXY/simple/")")
	c1=$(cpu "$PROXY_PID")
	changed_cpu+=("$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.0f", (b - a) * 1000 / hz }')")
done
t_direct=$(curl -s -o /dev/null -w '%{time_total}' -H "$accept" "$FAKE_INDEX")
printf '%-52s %10s %10s\n' "changed root (upstream 200), median of $CHANGES" "proxy ms" "CPU ms"
printf '%-52s %10.0f %10s\n' "(a plain GET of the new root from the fake: $(awk -v t="$t_direct" 'BEGIN { printf "%.0f", t * 1000 }') ms)" \
	"$(awk -v t="$(median "${changed_ms[@]}")" 'BEGIN { print t * 1000 }')" "$(median "${changed_cpu[@]}")"

# 2. memory after many distinct projects
seq -f 'genpkg-%06g' 0 $((DISTINCT - 1)) | sed "s|.*|$PROXY/simple/&/|" |
	xargs -P4 -n64 curl -s -H "$accept" >/dev/null
rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$PROXY_PID/status")
hwm=$(rss_hwm "$PROXY_PID")
mem_mib=$(numfmt --from=iec "${MEMORY%iB}" | awk '{ printf "%.1f", $1 / 1048576 }')
printf '%-52s %10s %10s %8s\n' "memory after $DISTINCT distinct projects" "RSS MiB" "--memory" ratio
printf '%-52s %10s %10s %7sx\n' "pypi-proxy serve (VmHWM $hwm MiB)" "$rss" "$mem_mib" "$(ratio "$rss" "$mem_mib")"
stop_proxy

# 3. a page larger than memory, from its stored gzip copy, vs nginx gzip_static
start_proxy "$tree" "$FAKE_INDEX" --memory 1MiB --offline --log-level warn
start_nginx "$tree" off
gz='Accept-Encoding: gzip'
cmp <(curl -s -H "$accept" -H "$gz" "$PROXY/simple/") <(curl -s -H "$accept" -H "$gz" "$NGINX/simple/") ||
	{ echo "proxy and nginx bodies differ" >&2; exit 1; }
n=$(wrk_run "$NGINX/simple/" -t2 -c16 -d5s -H "$accept" -H "$gz" | awk '{ print $1 }')
p=$(wrk_run "$PROXY/simple/" -t2 -c16 -d5s -H "$accept" -H "$gz" | awk '{ print $1 }')
printf '%-52s %10s %10s %8s\n' "root from the tree, gzip, wrk -t2 -c16 -d5s" "proxy r/s" "nginx r/s" ratio
printf '%-52s %10s %10s %7sx\n' "" "$p" "$n" "$(ratio "$p" "$n")"

# 4. many project pages, none in memory
seq -f '/simple/genpkg-%06g/' 0 $((DISTINCT - 1)) >"$RUN/paths"
cmp <(curl -s -H "$accept" -H "$gz" "$PROXY/simple/genpkg-000001/") <(curl -s -H "$accept" -H "$gz" "$NGINX/simple/genpkg-000001/") ||
	{ echo "proxy and nginx project pages differ" >&2; exit 1; }
spread() { PATHS=$RUN/paths wrk -t2 -c16 -d5s -H "$accept" -H "$gz" -s "$BENCH_DIR/spread.lua" "$1" | sed -n 's/^RESULT //p' | awk '{ print $1 }'; }
n=$(spread "$NGINX")
p=$(spread "$PROXY")
printf '%-52s %10s %10s %8s\n' "$DISTINCT project pages in turn, gzip, wrk -t2 -c16" "proxy r/s" "nginx r/s" ratio
printf '%-52s %10s %10s %7sx\n' "" "$p" "$n" "$(ratio "$p" "$n")"

# 5. the same pages with the default memory
stop_proxy
start_proxy "$tree" "$FAKE_INDEX" --memory "$SPREAD_MEMORY" --offline --log-level warn
sed "s|^|$PROXY|" "$RUN/paths" | xargs -P4 -n256 curl -s -H "$accept" -H "$gz" >/dev/null # untimed: every page asked once
printf '%-52s %10s %10s %8s\n' "the same, --memory $SPREAD_MEMORY, each asked once before" "proxy r/s" "nginx r/s" ratio
for round in $(seq "${ROUNDS:-3}"); do
	n=$(spread "$NGINX")
	p=$(spread "$PROXY")
	printf '%-52s %10s %10s %7sx\n' "round $round" "$p" "$n" "$(ratio "$p" "$n")"
done
rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$PROXY_PID/status")
mem_mib=$(numfmt --from=iec "${SPREAD_MEMORY%iB}" | awk '{ printf "%.1f", $1 / 1048576 }')
printf '%-52s %10s %10s %7sx\n' "RSS MiB after, against --memory" "$rss" "$mem_mib" "$(ratio "$rss" "$mem_mib")"
