#!/usr/bin/env bash
# Warm /simple/<project>/ of a 40-version project with pip's Accept header: pypi-proxy serve vs nginx
# serving the proxy's own stored index.v1_json (nginx/pypi-mirror.conf on the same tree), same run.
# Issue 3's goal: the proxy at >= 0.8x nginx's requests/s.
#
#   bench/pages.sh              # DURATION=10s CONNS=64 THREADS=2 by default
source "$(dirname "$0")/lib.sh"
need wrk nginx curl jq
DURATION=${DURATION:-10s} CONNS=${CONNS:-64} THREADS=${THREADS:-2}
ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
PROJECT=genpkg-000000
PAGE=/simple/$PROJECT/

build
start_fake fake -no-demo -generate 1 -releases 40
CACHE=$RUN/cache

# warm_and_check: a few requests, then the proxy's and nginx's bodies must be the same bytes.
warm_and_check() {
	local i
	for i in 1 2 3 4 5; do curl -sf -o /dev/null -H "Accept: $ACCEPT" "$PROXY$PAGE"; done
	curl -sf -H "Accept: $ACCEPT" -D "$RUN/proxy.h" -o "$RUN/proxy.body" "$PROXY$PAGE"
	curl -sf -H "Accept: $ACCEPT" -D "$RUN/nginx.h" -o "$RUN/nginx.body" "$NGINX$PAGE"
	cmp -s "$RUN/proxy.body" "$RUN/nginx.body" || { echo "proxy and nginx bodies differ" >&2; exit 1; }
	grep -qi '^x-cache: HIT' "$RUN/proxy.h" || { echo "proxy page not warm:" >&2; cat "$RUN/proxy.h" >&2; exit 1; }
	grep -qi '^content-type: application/vnd.pypi.simple.v1+json' "$RUN/nginx.h" || { echo "nginx content type" >&2; exit 1; }
}

run() { wrk_run "$1$PAGE" -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Accept: $ACCEPT"; }

start_proxy "$CACHE" "$FAKE_INDEX" --log-level warn
start_nginx "$CACHE" off
warm_and_check
SIZE=$(stat -c %s "$CACHE/web$PAGE/index.v1_json")
read -r n_rps _ n_err < <(run "$NGINX")
read -r p_rps _ p_err < <(run "$PROXY")

stop_proxy
start_proxy "$CACHE" "$FAKE_INDEX" --log-level info
start_nginx "$CACHE" on
warm_and_check
read -r nl_rps _ nl_err < <(run "$NGINX")
read -r pl_rps _ pl_err < <(run "$PROXY")

echo "warm $PAGE ($SIZE bytes of PEP 691 JSON, 40 versions), pip's Accept, wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores"
printf '%-50s %10s %7s %7s\n' "server" "req/s" "errors" "ratio"
printf '%-50s %10s %7s %7s\n' "nginx, access_log off" "$n_rps" "$n_err" ""
printf '%-50s %10s %7s %7s\n' "pypi-proxy serve --log-level warn (no access log)" "$p_rps" "$p_err" "$(ratio "$p_rps" "$n_rps")x"
printf '%-50s %10s %7s %7s\n' "nginx, access_log on" "$nl_rps" "$nl_err" ""
printf '%-50s %10s %7s %7s\n' "pypi-proxy serve --log-level info (access log)" "$pl_rps" "$pl_err" "$(ratio "$pl_rps" "$nl_rps")x"
