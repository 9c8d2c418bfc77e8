#!/usr/bin/env bash
# Warm /simple/<project>/ of a 40-version project with pip's Accept header: pypi-proxy serve with one
# --upstream (today's shape) vs two --index with a --route rule, --min-release-age and read rules
# (auth on, the caller an authenticated reader of both indexes), same run, alternated twice.
# Issue 16's goal: within 5% of the plain proxy.
#
#   bench/policy.sh             # DURATION=10s CONNS=64 THREADS=2 by default
source "$(dirname "$0")/lib.sh"
need wrk curl python3
DURATION=${DURATION:-10s} CONNS=${CONNS:-64} THREADS=${THREADS:-2}
ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
PAGE=/simple/genpkg-000000/

build
start_fake private -no-demo
PRIVATE=$FAKE_INDEX
start_fake public -no-demo -generate 1 -releases 40
PUBLIC=$FAKE_INDEX
HTPASSWD=$RUN/htpasswd
# bcrypt of "pw" at cost 10 (what htpasswd -B -b -C 10 htpasswd alice pw writes)
echo 'alice:$2a$10$b0Tp1pMcfPtxK0yWeG9.YePh/quGmPuEFDzksO766OLdylanWg2t2' >"$HTPASSWD"
AUTH=(-H "Authorization: Basic $(printf alice:pw | base64)")

# serve DIR ARGS...: pypi-proxy serve without lib.sh's --upstream; sets PROXY and PROXY_PID.
serve() {
	local dir=$1 port
	shift
	port=$(free_port)
	"$OUT/pypi-proxy" serve --listen "127.0.0.1:$port" --cache-dir "$dir" --log-level warn "$@" >>"$RUN/proxy.log" 2>&1 &
	PROXY_PID=$!
	PIDS+=($PROXY_PID)
	PROXY=http://127.0.0.1:$port
	wait_http "$PROXY/healthz"
}

warm() {
	local i
	for i in 1 2 3 4 5; do curl -sf -o /dev/null "${AUTH[@]}" -H "Accept: $ACCEPT" "$PROXY$PAGE"; done
	curl -sf "${AUTH[@]}" -H "Accept: $ACCEPT" -D "$RUN/h" -o /dev/null "$PROXY$PAGE"
	grep -qi '^x-cache: HIT' "$RUN/h" || { echo "page not warm:" >&2; cat "$RUN/h" "$RUN/proxy.log" >&2; exit 1; }
}

run() { wrk_run "$PROXY$PAGE" -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Accept: $ACCEPT" "${AUTH[@]}"; }

plain() { serve "$RUN/plain" --upstream "$PUBLIC"; }
routed() { serve "$RUN/routed" --index private="$PRIVATE" --index pypi="$PUBLIC" --route 'acme-*=private' --min-release-age 72h; }
authed() {
	serve "$RUN/authed" --index private="$PRIVATE" --index pypi="$PUBLIC" --route 'acme-*=private' \
		--min-release-age 72h --auth-htpasswd "$HTPASSWD" --index-readers 'private=alice' --index-readers 'pypi=*'
}

# measure NAME: one bounded wrk run of the proxy configuration NAME; appends req/s to R_NAME.
declare -A R
measure() {
	local rps err
	"$1"
	warm
	read -r rps _ err < <(run)
	[ "$err" = 0 ] || { echo "$1: $err errors" >&2; exit 1; }
	[ "$1" = plain ] || grep -qi '^x-pypi-proxy-index: pypi' "$RUN/h" || { echo "$1: page not from index pypi" >&2; exit 1; }
	R[$1]="${R[$1]:-} $rps"
	stop_proxy
}
for round in 1 2; do
	measure plain
	measure routed
	measure authed
done
mean() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(round(sum(v)/len(v)))" $1; }
p=$(mean "${R[plain]}")
echo "warm $PAGE (40 versions), pip's Accept, wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores, 2 rounds alternated"
printf '%-72s %8s %6s  %s\n' "server" "req/s" "ratio" "rounds"
printf '%-72s %8s %6s  %s\n' "--upstream (one index, no policy, no auth)" "$p" "" "${R[plain]}"
printf '%-72s %8s %6s  %s\n' "2 --index, --route acme-*=private, --min-release-age 72h" "$(mean "${R[routed]}")" \
	"$(ratio "$(mean "${R[routed]}")" "$p")x" "${R[routed]}"
printf '%-72s %8s %6s  %s\n' "the same + --auth-htpasswd (bcrypt) + --index-readers, caller authenticated" "$(mean "${R[authed]}")" \
	"$(ratio "$(mean "${R[authed]}")" "$p")x" "${R[authed]}"
