# shellcheck shell=bash
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
	local _
	for _ in $(seq 1200); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	exit 1
}

# start_fake NAME ARGS...: runs the fake upstream; sets FAKE_INDEX, FAKE_FILES and, with
# -control-addr, FAKE_CONTROL (its control API: request counts, fault rules).
start_fake() {
	local name=$1 urls=$RUN/$1.urls
	shift
	"$OUT/fakepypi" -urls-file "$urls" "$@" >"$RUN/$name.log" 2>&1 &
	PIDS+=($!)
	local _
	for _ in $(seq 1200); do
		[ -s "$urls" ] && break
		sleep 0.1
	done
	FAKE_INDEX=$(sed -n 's/^index=//p' "$urls")
	FAKE_FILES=$(sed -n 's/^files=//p' "$urls")
	# shellcheck disable=SC2034 # for the scripts that source this
	FAKE_CONTROL=$(sed -n 's/^control=//p' "$urls")
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
	PIDS+=("$PROXY_PID")
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

# median V...: the middle value (the upper one of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

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

# PIP_ACCEPT is the Accept header pip 23 sends for index pages.
PIP_ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'

# fill BASE PATHS NAME...: through BASE (a proxy), each project's page with pip's Accept, then every
# file those pages link, each kind in one keep-alive curl; writes the paths to the file PATHS, one
# "P /simple/<name>/" or "F /packages/..." a line (bench/mix.lua's input). Fails unless all are 200.
fill() {
	local base=$1 paths=$2 dir name bad
	shift 2
	dir=$(mktemp -d "$RUN/fill.XXXXXX")
	for name in "$@"; do
		printf 'url = "%s/simple/%s/"\noutput = "%s/%s.json"\n' "$base" "$name" "$dir" "$name"
	done >"$dir/pages.curl"
	curl -s -H "Accept: $PIP_ACCEPT" -w '%{http_code}\n' -K "$dir/pages.curl" >"$dir/codes"
	printf 'P /simple/%s/\n' "$@" >"$paths"
	# The proxy links files relative to the page: ../../packages/... is /packages/...
	jq -r '.files[].url' "$dir"/*.json | sed -n 's|^\.\./\.\./packages/|F /packages/|p' >>"$paths"
	sed -n 's|^F \(.*\)|url = "'"$base"'\1"\noutput = "/dev/null"|p' "$paths" >"$dir/files.curl"
	curl -s -w '%{http_code}\n' -K "$dir/files.curl" >>"$dir/codes"
	bad=$(grep -cvx 200 "$dir/codes" || true)
	[ "$bad" = 0 ] || { echo "fill: $bad responses were not 200" >&2; sort "$dir/codes" | uniq -c >&2; exit 1; }
	[ "$(grep -c '^F ' "$paths")" -gt 0 ] || { echo "fill: no file links on the pages" >&2; exit 1; }
	rm -rf "$dir"
}

# metric BASE NAME [LABELS]: the sum of the proxy's Prometheus samples NAME whose labels contain
# LABELS (e.g. 'code="404"'), 0 if none.
metric() {
	curl -sf "$1/metrics" | awk -v n="$2" -v l="${3:-}" '
		index($1, n) == 1 && (substr($1, length(n) + 1, 1) == "{" || substr($1, length(n) + 1, 1) == "") && index($1, l) { s += $2 }
		END { printf "%d\n", s }'
}

# run_pip ARGS...: Debian's pip (python3 -m pip) as a user with no configuration runs it: a fresh HOME, no
# pip config or cache, no proxy variables; output in $RUN/pip.log, shown on failure.
run_pip() {
	local home rc=0
	home=$(mktemp -d "$RUN/home.XXXXXX")
	env -u http_proxy -u https_proxy -u all_proxy -u PYTHONPATH -u VIRTUAL_ENV \
		HOME="$home" PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
		NO_PROXY=127.0.0.1,localhost \
		/usr/bin/python3 -m pip "$@" >"$RUN/pip.log" 2>&1 || rc=$?
	rm -rf "$home"
	[ "$rc" = 0 ] || { cat "$RUN/pip.log" >&2; exit 1; }
}
