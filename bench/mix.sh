#!/usr/bin/env bash
# Warm mix (issue 12): 80% index pages (pip's Accept header) and 20% files, picked at random over
# PROJECTS generated projects (RELEASES wheel-only releases each), wrk -t$THREADS -c$CONNS
# -d$DURATION: pypi-proxy serve after it has cached every page and file vs nginx
# (nginx/pypi-mirror.conf) serving that same tree, same run, ROUNDS alternating rounds. Requests/s,
# MB/s and wrk's p50/p99 latency, each as a ratio to nginx (latency: above 1 is slower), the median
# over the rounds.
#
#   bench/mix.sh        # PROJECTS=500 RELEASES=3 PAGE_PERCENT=80 CONNS=256 THREADS=2 DURATION=60s ROUNDS=1
#
# wrk's 256 connections all come from 127.0.0.1, exactly the proxy's --max-connections-per-ip
# default: the script reports the connections the proxy refused (pypi_proxy_refused_connections_total)
# and fails if there were any. More than 256 connections need PROXY_ARGS='--max-connections-per-ip 0'.
source "$(dirname "$0")/lib.sh"
need wrk nginx curl jq
PROJECTS=${PROJECTS:-500} RELEASES=${RELEASES:-3} PAGE_PERCENT=${PAGE_PERCENT:-80}
DURATION=${DURATION:-60s} CONNS=${CONNS:-256} THREADS=${THREADS:-2} ROUNDS=${ROUNDS:-1}
read -r -a proxy_args <<<"${PROXY_ARGS:-}"

build
start_fake fake -no-demo -generate "$PROJECTS" -releases "$RELEASES"
mapfile -t names < <(seq -f 'genpkg-%06g' 0 $((PROJECTS - 1)))
CACHE=$RUN/cache PATHS=$RUN/paths

start_proxy "$CACHE" "$FAKE_INDEX" --log-level warn --index-ttl 1h "${proxy_args[@]}" # warm however many ROUNDS
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
# not_ok: the proxy's responses so far that were not 200.
not_ok() { echo $(($(metric "$PROXY" pypi_proxy_http_requests_total) - $(metric "$PROXY" pypi_proxy_http_requests_total 'code="200"'))); }
row() { printf '%-34s %9s %8s %9s %9s %7s\n' "$@"; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
refused0=$(metric "$PROXY" pypi_proxy_refused_connections_total) not_ok0=$(not_ok)
errors=0 r_rps=() r_mbs=() r_p50=() r_p99=() table=()
for round in $(seq "$ROUNDS"); do
	read -r n_rps n_mbs n_err n_p50 n_p99 _ < <(run "$NGINX")
	read -r p_rps p_mbs p_err p_p50 p_p99 _ < <(run "$PROXY")
	errors=$((errors + n_err + p_err))
	r_rps+=("$(ratio "$p_rps" "$n_rps")") r_mbs+=("$(ratio "$p_mbs" "$n_mbs")")
	r_p50+=("$(ratio "$p_p50" "$n_p50")") r_p99+=("$(ratio "$p_p99" "$n_p99")")
	table+=("$(row "round $round: nginx, access_log off" "$n_rps" "$n_mbs" "$n_p50" "$n_p99" "$n_err")")
	table+=("$(row "round $round: pypi-proxy serve" "$p_rps" "$p_mbs" "$p_p50" "$p_p99" "$p_err")")
	table+=("$(row "round $round: proxy / nginx" "${r_rps[-1]}x" "${r_mbs[-1]}x" "${r_p50[-1]}x" "${r_p99[-1]}x" "")")
done
refused=$(($(metric "$PROXY" pypi_proxy_refused_connections_total) - refused0))
not200=$(($(not_ok) - not_ok0))

echo "warm mix: $PAGE_PERCENT% pages (pip's Accept) / $((100 - PAGE_PERCENT))% files over $PROJECTS projects ($n_files files),"
echo "wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS round(s), $(nproc) cores, load $load before, $(cut -d' ' -f1-3 /proc/loadavg) after"
row "" "req/s" "MB/s" "p50 ms" "p99 ms" "errors"
printf '%s\n' "${table[@]}"
[ "$ROUNDS" = 1 ] || row "median proxy / nginx" "$(median "${r_rps[@]}")x" "$(median "${r_mbs[@]}")x" \
	"$(median "${r_p50[@]}")x" "$(median "${r_p99[@]}")x" ""
echo "proxy: $refused connections refused (--max-connections-per-ip), $not200 responses not 200"
if [ "$refused" != 0 ] || [ "$not200" != 0 ] || [ "$errors" != 0 ]; then
	echo "FAIL: errors or refused connections" >&2
	exit 1
fi
