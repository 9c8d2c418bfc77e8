#!/usr/bin/env bash
# A/B of pypi-proxy builds on warm pages over many projects: each build and nginx serve the same tree, ROUNDS
# alternating rounds of wrk (bench/spread.lua over every project page, gzip JSON), a ratio to nginx per round and
# the median per build, then each build's RSS. The tree is made once through the fake upstream (PROJECTS pages) or
# taken from TREE (a cache dir a proxy filled before: nothing is fetched, the proxies run --offline).
#
#   bench/ab.sh OLD_BINARY                     # against the current source's build
#   bench/ab.sh BIN_A BIN_B ...                # PROJECTS=100000 ROUNDS=7 DURATION=5 MEMORY=256MiB TREE=dir
#                                              # LOG_LEVEL=warn (info: with the access log, to a file)
source "$(dirname "$0")/lib.sh"
need wrk nginx curl
[ $# -ge 1 ] || { echo "usage: bench/ab.sh OLD_BINARY [NEW_BINARY...]" >&2; exit 2; }
PROJECTS=${PROJECTS:-100000} ROUNDS=${ROUNDS:-7} DURATION=${DURATION:-5} MEMORY=${MEMORY:-256MiB} LOG_LEVEL=${LOG_LEVEL:-warn}
build
bins=("$@")
[ $# -ge 2 ] || bins+=("$OUT/pypi-proxy")

tree=${TREE:-$RUN/tree}
if [ -z "${TREE:-}" ]; then
	start_fake fake -no-demo -generate "$PROJECTS" -releases 1
	start_proxy "$tree" "$FAKE_INDEX" --memory 64MiB --log-level warn
	seq -f 'genpkg-%06g' 0 $((PROJECTS - 1)) | sed "s|.*|$PROXY/simple/&/|" |
		xargs -P4 -n64 curl -sf -H 'Accept: application/vnd.pypi.simple.v1+json' >/dev/null
	stop_proxy
fi
seq -f '/simple/genpkg-%06g/' 0 $((PROJECTS - 1)) >"$RUN/paths"
start_nginx "$tree" off

urls=() pids=()
for i in "${!bins[@]}"; do
	mkdir -p "$RUN/bin$i"
	cp "${bins[$i]}" "$RUN/bin$i/pypi-proxy"
	OUT=$RUN/bin$i start_proxy "$tree" "http://127.0.0.1:1/simple/" --offline --memory "$MEMORY" --log-level "$LOG_LEVEL"
	urls+=("$PROXY") pids+=("$PROXY_PID")
done

spread() {
	PATHS=$RUN/paths wrk -t2 -c16 -d"$1s" -H 'Accept: application/vnd.pypi.simple.v1+json' -H 'Accept-Encoding: gzip' \
		-s "$BENCH_DIR/spread.lua" "$2" | sed -n 's/^RESULT //p' | awk '{ print $1 }'
}
for url in "${urls[@]}"; do spread 12 "$url" >/dev/null; done # every page asked once at least
declare -A ratios
echo "warm gzip JSON pages over $PROJECTS projects, --memory $MEMORY --log-level $LOG_LEVEL, wrk -t2 -c16 -d${DURATION}s, $(nproc) cores"
for r in $(seq "$ROUNDS"); do
	n=$(spread "$DURATION" "$NGINX")
	line="round $r: nginx $n r/s"
	for i in "${!urls[@]}"; do
		p=$(spread "$DURATION" "${urls[$i]}")
		ratios[$i]+=" $(ratio "$p" "$n")"
		line+="  build $i $p r/s $(ratio "$p" "$n")x"
	done
	echo "$line"
done
for i in "${!bins[@]}"; do
	# shellcheck disable=SC2086 # the ratios are words
	printf 'build %d (%s): median %sx, RSS %s MiB\n' "$i" "${bins[$i]}" "$(median ${ratios[$i]})" \
		"$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/${pids[$i]}/status")"
done
