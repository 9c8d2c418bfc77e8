#!/usr/bin/env bash
# Start-up of `serve --max-cache-size` on many small files (issue 15): bench/gentree writes FILES (500000) seeded
# files under WORK (bench/out; WORK=/dev/shm for tmpfs: CPU cost only), then ROUNDS (3) starts of
# `pypi-proxy serve --offline --max-cache-size 1TiB` on that tree, each stopped with SIGTERM after WINDOW (30) s
# or once the budget has loaded, whichever is later.
# Per start: seconds until /healthz answers, CPU seconds (utime + stime) in the first WINDOW s, seconds until the
# budget logs "cache budget loaded" (and whether from its inventory or a walk), seconds from SIGTERM to exit, peak
# RSS. The first start of a tree has no persisted state; the later ones find what the previous clean stop left.
# OLD_BIN=path also runs another build, on its own tree (same seed), in the same rounds (before/after).
# Usage: bench/startup.sh   (FILES=100000 ROUNDS=3 WINDOW=30 WORK=/dev/shm OLD_BIN=/path/to/old/pypi-proxy)
source "$(dirname "$0")/lib.sh"
need curl
FILES=${FILES:-500000}
ROUNDS=${ROUNDS:-3}
WINDOW=${WINDOW:-30}
WORK=${WORK:-$RUN}
build
[ "${NO_BUILD:-}" = 1 ] || (cd "$REPO" && go build -o "$OUT/gentree" ./bench/gentree)
BIN=${BIN:-$OUT/pypi-proxy}
bins=("$BIN")
[ -n "${OLD_BIN:-}" ] && bins+=("$OLD_BIN")
trees=()
trap 'rm -rf "${trees[@]}"; cleanup' EXIT
for b in "${bins[@]}"; do
	tree=$(mktemp -d "$WORK/startup-tree.XXXXXX")
	trees+=("$tree")
	"$OUT/gentree" -dir "$tree" -files "$FILES" >/dev/null
done
hz=$(getconf CLK_TCK)
printf 'start-up benchmark: %d files, %s, %d CPUs, load %s\n' "$FILES" "$(stat -f -c %T "${trees[0]}")" "$(nproc)" \
	"$(cut -d' ' -f1 /proc/loadavg)"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# start BIN TREE LABEL: one start, measured and stopped.
start() {
	local bin=$1 tree=$2 label=$3 port log pid t0 t1 cpu loaded from t2 t3 hwm
	port=$(free_port)
	log=$RUN/startup.$$.log
	t0=$(now)
	"$bin" serve --listen "127.0.0.1:$port" --upstream http://127.0.0.1:1/simple/ --cache-dir "$tree" \
		--offline --max-cache-size 1TiB --log-level info >"$log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
		sleep 0.01
	done
	t1=$(now)
	sleep "$(awk -v a="$t0" -v b="$(now)" -v w="$WINDOW" 'BEGIN { d = w - (b - a); print (d > 0 ? d : 0) }')"
	cpu=$(awk -v hz="$hz" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat")
	# Stopped only once the budget knows the tree (at most 10 min more): a stop before that leaves no
	# inventory, and the next start would walk again.
	for _ in $(seq 6000); do
		grep -q 'msg="cache budget loaded"' "$log" && break
		sleep 0.1
	done
	hwm=$(rss_hwm "$pid")
	t2=$(now)
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	t3=$(now)
	loaded=$(sed -n 's/^time=\([^ ]*\) .*msg="cache budget loaded".*/\1/p' "$log" | head -1)
	from=$(sed -n 's/.*msg="cache budget loaded".* from=\([a-z]*\).*/\1/p' "$log" | head -1)
	if [ -n "$loaded" ]; then
		loaded=$(secs "$t0" "$(date -d "$loaded" +%s.%N)")
	else
		loaded="never"
	fi
	printf '  %-24s healthz %6.2f s   CPU %6.2f s in %d s   budget loaded %7s s %-10s stop %5.2f s   VmHWM %6.1f MiB\n' \
		"$label" "$(secs "$t0" "$t1")" "$cpu" "$WINDOW" "$loaded" "${from:+($from)}" "$(secs "$t2" "$t3")" "$hwm"
}

for r in $(seq "$ROUNDS"); do
	echo "round $r$([ "$r" = 1 ] && echo ' (first start of each tree: no persisted state)')"
	for i in "${!bins[@]}"; do
		label=$([ "$i" = 0 ] && echo "BIN" || echo "OLD_BIN")
		start "${bins[$i]}" "${trees[$i]}" "$label"
	done
done
