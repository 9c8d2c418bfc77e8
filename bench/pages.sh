#!/usr/bin/env bash
# Warm /simple/<project>/ of a 40-version project with pip's Accept header: pypi-proxy serve vs nginx
# serving the proxy's own stored index.v1_json (nginx/pypi-mirror.conf on the same tree), same run.
# Issue 3's goal: the proxy at >= 0.8x nginx's requests/s.
#
#   bench/pages.sh              # DURATION=5s CONNS=64 THREADS=2 ROUNDS=3 by default
source "$(dirname "$0")/lib.sh"
need wrk nginx curl jq
DURATION=${DURATION:-5s} CONNS=${CONNS:-64} THREADS=${THREADS:-2} ROUNDS=${ROUNDS:-3}
ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
PROJECT=genpkg-000000
PAGE=/simple/$PROJECT/

build
start_fake fake -no-demo -generate 1 -releases 40
CACHE=$RUN/cache

# warm_and_check: a few requests, then the proxy's and nginx's bodies must be the same bytes.
warm_and_check() {
	local _
	for _ in 1 2 3 4 5; do curl -sf -o /dev/null -H "Accept: $ACCEPT" "$PROXY$PAGE"; done
	curl -sf -H "Accept: $ACCEPT" -D "$RUN/proxy.h" -o "$RUN/proxy.body" "$PROXY$PAGE"
	curl -sf -H "Accept: $ACCEPT" -D "$RUN/nginx.h" -o "$RUN/nginx.body" "$NGINX$PAGE"
	cmp -s "$RUN/proxy.body" "$RUN/nginx.body" || { echo "proxy and nginx bodies differ" >&2; exit 1; }
	grep -qi '^x-cache: HIT' "$RUN/proxy.h" || { echo "proxy page not warm:" >&2; cat "$RUN/proxy.h" >&2; exit 1; }
	grep -qi '^content-type: application/vnd.pypi.simple.v1+json' "$RUN/nginx.h" || { echo "nginx content type" >&2; exit 1; }
}

run() { wrk_run "$1$PAGE" -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Accept: $ACCEPT"; }

# rounds LABEL: ROUNDS alternating runs, nginx then proxy; one line each, then the median ratio. A busy
# machine moves both servers' figures by a fifth between runs: one pair proves little.
rounds() {
	local r n p ne pe ratios=()
	for r in $(seq "$ROUNDS"); do
		read -r n _ ne < <(run "$NGINX")
		read -r p _ pe < <(run "$PROXY")
		ratios+=("$(ratio "$p" "$n")")
		printf '%-50s %10s %10s %7s %7s\n' "$1, round $r" "$n" "$p" "$((ne + pe))" "${ratios[-1]}x"
	done
	printf '%-50s %10s %10s %7s %7s\n' "$1, median" "" "" "" "$(median "${ratios[@]}")x"
}

start_proxy "$CACHE" "$FAKE_INDEX" --log-level warn
start_nginx "$CACHE" off
warm_and_check
SIZE=$(stat -c %s "$CACHE/web$PAGE/index.v1_json")
echo "warm $PAGE ($SIZE bytes of PEP 691 JSON, 40 versions), pip's Accept, wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores"
printf '%-50s %10s %10s %7s %7s\n' "" "nginx r/s" "proxy r/s" "errors" "ratio"
rounds "no access log (proxy --log-level warn)"

stop_proxy
start_proxy "$CACHE" "$FAKE_INDEX" --log-level info
start_nginx "$CACHE" on
warm_and_check
rounds "access log (proxy --log-level info)"
