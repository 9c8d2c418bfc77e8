# Shared helpers for the bench/*.sh scripts (sourced, not run).
#
# Every process a script starts is recorded in PIDS and stopped by the EXIT trap; scratch files live
# in a fresh directory under bench/out/ (gitignored), removed on exit unless KEEP=1.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
OUT=$BENCH_DIR/out
mkdir -p "$OUT"
RUN=$(mktemp -d "$OUT/run.XXXXXX")
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${KEEP:-}" = 1 ]; then
		echo "kept $RUN" >&2
	else
		rm -rf "$RUN"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "missing $c (apt-get install -y nginx-light wrk curl jq)" >&2; exit 1; }
	done
}

# build compiles pypi-proxy and the fake upstream into bench/out/ (NO_BUILD=1: use the binaries there).
build() {
	[ "${NO_BUILD:-}" = 1 ] && return 0
	(cd "$REPO" && go build -o "$OUT/pypi-proxy" ./cmd/pypi-proxy && go build -o "$OUT/fakepypi" ./internal/fakepypi/cmd/fakepypi)
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: until URL answers (any status), at most 120 s.
wait_http() {
	local i
	for i in $(seq 1200); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	exit 1
}

# start_fake NAME ARGS...: runs the fake upstream; sets FAKE_INDEX and FAKE_FILES.
start_fake() {
	local name=$1 urls=$RUN/$1.urls
	shift
	"$OUT/fakepypi" -urls-file "$urls" "$@" >"$RUN/$name.log" 2>&1 &
	PIDS+=($!)
	local i
	for i in $(seq 1200); do
		[ -s "$urls" ] && break
		sleep 0.1
	done
	FAKE_INDEX=$(sed -n 's/^index=//p' "$urls")
	FAKE_FILES=$(sed -n 's/^files=//p' "$urls")
	[ -n "$FAKE_INDEX" ] || { echo "fake upstream $name did not start" >&2; cat "$RUN/$name.log" >&2; exit 1; }
}

# start_proxy CACHE_DIR UPSTREAM ARGS...: runs pypi-proxy serve; sets PROXY (its URL) and PROXY_PID.
start_proxy() {
	local dir=$1 up=$2 port
	shift 2
	port=$(free_port)
	# The fake's files host is a second host on loopback: trusted explicitly, as any file host but the index's.
	"$OUT/pypi-proxy" serve --listen "127.0.0.1:$port" --upstream "$up" --cache-dir "$dir" \
		${FAKE_FILES:+--trusted-file-host "${FAKE_FILES#http://}"} "$@" \
		>>"$RUN/proxy.log" 2>&1 &
	PROXY_PID=$!
	PIDS+=($PROXY_PID)
	PROXY=http://127.0.0.1:$port
	wait_http "$PROXY/healthz"
}

stop_proxy() {
	kill "$PROXY_PID" 2>/dev/null || true
	wait "$PROXY_PID" 2>/dev/null || true
}

# start_nginx ROOT ACCESS_LOG(on|off): nginx/pypi-mirror.conf on the tree ROOT, 2 workers; sets NGINX.
start_nginx() {
	local root=$1 log=$2 port p f
	port=$(free_port)
	p=$(mktemp -d "$RUN/nginx.XXXXXX")
	mkdir -p "$p/conf" "$p/tmp"
	for f in "$REPO"/nginx/pypi-mirror*.conf; do
		sed -e "s|@LISTEN@|127.0.0.1:$port|; s|@ROOT@|$root|; s|@CONF_DIR@|$p/conf|; s|@UPSTREAM@|127.0.0.1:1|" \
			"$f" >"$p/conf/$(basename "$f")"
	done
	[ "$log" = on ] && log=$p/access.log
	{
		[ "$(id -u)" = 0 ] && echo 'user root;'
		sed -e "s|@PREFIX@|$p|g; s|@INCLUDE@|$p/conf/pypi-mirror.conf|; s|@WORKERS@|auto|; s|@ACCESS_LOG@|$log|" \
			"$REPO/nginx/nginx-standalone.conf"
	} >"$p/nginx.conf"
	nginx -p "$p" -c "$p/nginx.conf" -e "$p/error.log" -g 'daemon off;' &
	PIDS+=($!)
	NGINX=http://127.0.0.1:$port
	wait_http "$NGINX/"
}

# wrk_run URL ARGS...: prints "req_s mb_s errors" from one bounded wrk run.
wrk_run() {
	local url=$1
	shift
	wrk "$@" -s "$BENCH_DIR/report.lua" "$url" | sed -n 's/^RESULT //p'
}

# ratio A B: A/B with 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# file_url INDEX PROJECT: the (absolute) URL of PROJECT's first file, from the JSON page at INDEX.
file_url() {
	local page=$1$2/
	local u
	u=$(curl -sf -H 'Accept: application/vnd.pypi.simple.v1+json' "$page" | jq -r '.files[0].url')
	python3 -c 'import sys, urllib.parse; print(urllib.parse.urljoin(sys.argv[1], sys.argv[2]))' "$page" "$u"
}

# rss_hwm PID: peak resident set (VmHWM) in MiB.
rss_hwm() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
