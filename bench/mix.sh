#!/usr/bin/env bash
# Warm mix (issue 12): 80% index pages (pip's Accept header) and 20% files, picked at random over
# PROJECTS generated projects (RELEASES wheel-only releases each), wrk -t$THREADS -c$CONNS
# -d$DURATION: pypi-proxy serve after it has cached every page and file vs nginx
# (nginx/pypi-mirror.conf) serving that same tree, same run. Requests/s, MB/s and wrk's p50/p99
# latency, each as a ratio to nginx.
#
#   bench/mix.sh        # PROJECTS=500 RELEASES=3 PAGE_PERCENT=80 CONNS=256 THREADS=2 DURATION=60s
#
# wrk's 256 connections all come from 127.0.0.1, exactly the proxy's --max-connections-per-ip
# default: the script reports the connections the proxy refused (pypi_proxy_refused_connections_total)
# and fails if there were any. More than 256 connections need PROXY_ARGS='--max-connections-per-ip 0'.
source "$(dirname "$0")/lib.sh"
need wrk nginx curl jq
PROJECTS=${PROJECTS:-500} RELEASES=${RELEASES:-3} PAGE_PERCENT=${PAGE_PERCENT:-80}
DURATION=${DURATION:-60s} CONNS=${CONNS:-256} THREADS=${THREADS:-2}
read -r -a proxy_args <<<"${PROXY_ARGS:-}"

build
start_fake fake -no-demo -generate "$PROJECTS" -releases "$RELEASES"
mapfile -t names < <(seq -f 'genpkg-%06g' 0 $((PROJECTS - 1)))
CACHE=$RUN/cache PATHS=$RUN/paths

start_proxy "$CACHE" "$FAKE_INDEX" --log-level warn "${proxy_args[@]}"
fill "$PROXY" "$PATHS" "${names[@]}"
start_nginx "$CACHE" off
n_files=$(grep -c '^F ' "$PATHS")

# same BASE_A BASE_B PATH [ACCEPT]: both servers answer PATH with a 200 of the same bytes.
same() {
	curl -sf -H "Accept: ${4:-*/*}" -o "$RUN/a" "$1$3"
	curl -sf -H "Accept: ${4:-*/*}" -o "$RUN/b" "$2$3"
	cmp -s "$RUN/a" "$RUN/b" || { echo "proxy and nginx differ on $3" >&2; exit 1; }
}
page=$(sed -n 's/^P //p' "$PATHS" | shuf -n1 --random-source=<(yes))
file=$(sed -n 's/^F //p' "$PATHS" | shuf -n1 --random-source=<(yes))
same "$PROXY" "$NGINX" "$page" "$PIP_ACCEPT"
same "$PROXY" "$NGINX" "$file"
curl -s -o /dev/null -D "$RUN/h" -H "Accept: $PIP_ACCEPT" "$PROXY$page"
grep -qi '^x-cache: HIT' "$RUN/h" || { echo "proxy page not warm:" >&2; cat "$RUN/h" >&2; exit 1; }

run() { wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$BENCH_DIR/mix.lua" "$1" -- "$PATHS" "$PAGE_PERCENT" | sed -n 's/^RESULT //p'; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
read -r n_rps n_mbs n_err n_p50 n_p99 _ < <(run "$NGINX")
refused0=$(metric "$PROXY" pypi_proxy_refused_connections_total)
# not_ok: the proxy's responses so far that were not 200.
not_ok() { echo $(($(metric "$PROXY" pypi_proxy_http_requests_total) - $(metric "$PROXY" pypi_proxy_http_requests_total 'code="200"'))); }
not_ok0=$(not_ok)
read -r p_rps p_mbs p_err p_p50 p_p99 _ < <(run "$PROXY")
refused=$(($(metric "$PROXY" pypi_proxy_refused_connections_total) - refused0))
not200=$(($(not_ok) - not_ok0))

echo "warm mix: $PAGE_PERCENT% pages (pip's Accept) / $((100 - PAGE_PERCENT))% files over $PROJECTS projects ($n_files files),"
echo "wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores, load $load before, $(cut -d' ' -f1-3 /proc/loadavg) after"
printf '%-34s %9s %8s %9s %9s %7s\n' "server" "req/s" "MB/s" "p50 ms" "p99 ms" "errors"
printf '%-34s %9s %8s %9s %9s %7s\n' "nginx, access_log off" "$n_rps" "$n_mbs" "$n_p50" "$n_p99" "$n_err"
printf '%-34s %9s %8s %9s %9s %7s\n' "pypi-proxy serve --log-level warn" "$p_rps" "$p_mbs" "$p_p50" "$p_p99" "$p_err"
printf '%-34s %9s %8s %9s %9s\n' "ratio proxy / nginx" "$(ratio "$p_rps" "$n_rps")x" "$(ratio "$p_mbs" "$n_mbs")x" \
	"$(ratio "$p_p50" "$n_p50")x" "$(ratio "$p_p99" "$n_p99")x"
echo "proxy: $refused connections refused, $not200 responses not 200"
if [ "$refused" != 0 ] || [ "$not200" != 0 ] || [ "$p_err" != 0 ] || [ "$n_err" != 0 ]; then
	echo "FAIL: errors or refused connections" >&2
	exit 1
fi
