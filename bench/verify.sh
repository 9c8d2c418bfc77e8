#!/usr/bin/env bash
# verify on many small files (issue 15): bench/gentree writes FILES (500000) seeded files of 200-4000 bytes,
# PER_PROJECT (5) to a project with its origins record, under WORK (bench/out; WORK=/dev/shm for tmpfs: CPU
# cost only). Then ROUNDS (3) alternating rounds of `pypi-proxy verify` and `find web/packages -type f |
# xargs -P2 sha256sum`, each under /usr/bin/time: wall time and peak RSS, the median ratio of the times
# (sha256sum / verify: above 1 means verify is faster). BIN=path runs another build of pypi-proxy; OLD_BIN=path
# also times that build in each round (before/after in one run).
# Usage: bench/verify.sh   (FILES=100000 ROUNDS=5 WORK=/dev/shm)
source "$(dirname "$0")/lib.sh"
need find xargs sha256sum /usr/bin/time
FILES=${FILES:-500000}
PER_PROJECT=${PER_PROJECT:-5}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-$RUN}
build
[ "${NO_BUILD:-}" = 1 ] || (cd "$REPO" && go build -o "$OUT/gentree" ./bench/gentree)
BIN=${BIN:-$OUT/pypi-proxy}
tree=$(mktemp -d "$WORK/verify-tree.XXXXXX")
trap 'rm -rf "$tree"; cleanup' EXIT
t0=$(date +%s.%N)
"$OUT/gentree" -dir "$tree" -files "$FILES" -per-project "$PER_PROJECT" >/dev/null
t1=$(date +%s.%N)
bytes=$(du -sb "$tree/web/packages" | awk '{ print $1 }')
fsys=$(stat -f -c %T "$tree")
printf 'verify benchmark: %d files (%d bytes) in %d projects, %s, %d CPUs, load %s; tree written in %.1f s\n' \
	"$FILES" "$bytes" $(((FILES + PER_PROJECT - 1) / PER_PROJECT)) "$fsys" "$(nproc)" \
	"$(cut -d' ' -f1 /proc/loadavg)" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"

# timed CMD...: prints "SECONDS MAX_RSS_KIB" of CMD (its output discarded).
timed() {
	local f=$RUN/time.$$
	/usr/bin/time -o "$f" -f '%e %M' "$@" >/dev/null 2>"$RUN/stderr" || { cat "$RUN/stderr" >&2; exit 1; }
	cat "$f"
}
v_t=() s_t=() ratios=() o_ratios=()
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		v=$(timed "$BIN" verify --cache-dir "$tree" --workers 8)
		s=$(cd "$tree" && timed sh -c 'find web/packages -type f | xargs -P2 sha256sum')
	else
		s=$(cd "$tree" && timed sh -c 'find web/packages -type f | xargs -P2 sha256sum')
		v=$(timed "$BIN" verify --cache-dir "$tree" --workers 8)
	fi
	if [ -n "${OLD_BIN:-}" ]; then
		read -r os ok <<<"$(timed "$OLD_BIN" verify --cache-dir "$tree" --workers 8)"
		o_ratios+=(0)
	fi
	read -r vs vk <<<"$v"
	read -r ss sk <<<"$s"
	v_t+=("$vs") s_t+=("$ss") ratios+=("$(ratio "$ss" "$vs")")
	printf '  round %d: verify %6.2f s %7.1f MiB RSS   sha256sum %6.2f s %6.1f MiB RSS   speed ratio %s\n' \
		"$r" "$vs" "$(awk -v k="$vk" 'BEGIN { print k / 1024 }')" "$ss" "$(awk -v k="$sk" 'BEGIN { print k / 1024 }')" \
		"$(ratio "$ss" "$vs")"
	if [ -n "${OLD_BIN:-}" ]; then
		o_ratios[-1]=$(ratio "$ss" "$os")
		printf '           OLD_BIN verify %6.2f s %7.1f MiB RSS   speed ratio %s\n' "$os" \
			"$(awk -v k="$ok" 'BEGIN { print k / 1024 }')" "$(ratio "$ss" "$os")"
	fi
done
printf 'median: verify %s s, sha256sum %s s, speed ratio %s (goal >= 1.0); load after %s\n' \
	"$(median "${v_t[@]}")" "$(median "${s_t[@]}")" "$(median "${ratios[@]}")" "$(cut -d' ' -f1 /proc/loadavg)"
[ -z "${OLD_BIN:-}" ] || printf 'OLD_BIN: median speed ratio %s\n' "$(median "${o_ratios[@]}")"
