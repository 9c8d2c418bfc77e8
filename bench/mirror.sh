#!/usr/bin/env bash
# Eager mirror (issue 5), all against one local fake upstream (cmd/fakepypi -generate PROJECTS -releases 2:
# PROJECTS*2 wheels + as many PEP 658 metadata files):
#   1. full sync: `pypi-proxy mirror` vs a plain parallel download of the same file URLs, ROUNDS times,
#      alternating, each into fresh directories; goal <= 1.3x. Two baselines: xargs -P WORKERS curl into one
#      flat directory (100 URLs per curl, so connections are reused), and WORKERS curls writing the mirror's
#      packages/aa/bb/<hash>/ layout (--create-dirs);
#   2. incremental sync after CHANGED projects got a new release (SIGHUP to the fake); goal < 2 s;
#   3. `pypi-proxy verify` vs `sha256sum` over the same files; goal >= 0.8x sha256sum's speed.
#
#   bench/mirror.sh                  # PROJECTS=2000 CHANGED=10 WORKERS=8 ROUNDS=3
#   WORK=/dev/shm bench/mirror.sh    # trees on tmpfs: CPU cost only, without the disk's background work
#   OLD_BIN=path bench/mirror.sh     # also a full sync by another build in each round, the two in turn
#
# Full syncs are also given in CPU seconds (the mirror process's user + system time): on a shared machine
# they move less than the wall times.
#
# Trees go under WORK (default: the scratch directory under bench/out/). On a small VM disk the kernel's
# background work after earlier large deletes (journal, discard) can double a run's system time, for
# whichever side runs then; tmpfs takes that out of the comparison.
source "$(dirname "$0")/lib.sh"
need curl jq sha256sum /usr/bin/time
PROJECTS=${PROJECTS:-2000} CHANGED=${CHANGED:-10} WORKERS=${WORKERS:-8} ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d "${WORK:-$RUN}/mirror-bench.XXXXXX")
trap '[ "${KEEP:-}" = 1 ] || rm -rf "$WORK"; cleanup' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

build
start_fake mirror -no-demo -generate "$PROJECTS" -releases 2 -publish-on-hup "$CHANGED"
FAKE_PID=${PIDS[-1]}
BIN=${BIN:-$OUT/pypi-proxy}
mirror() { "${MIRROR_BIN:-$BIN}" mirror --upstream "$FAKE_INDEX" --trusted-file-host "${FAKE_FILES#http://}" --cache-dir "$MIRROR" --workers "$WORKERS" --progress none --log-level warn "$@"; }

# curl_flat DIR: every URL into one directory.
curl_flat() {
	mkdir -p "$1"
	(cd "$1" && xargs -P "$WORKERS" -n 100 curl -sf --remote-name-all <"$RUN/urls")
}

# curl_tree DIR: every URL to its path under DIR (packages/aa/bb/<hash>/<file>, three directory levels
# per file as in the mirror), WORKERS curls each with a config file of url/output pairs.
curl_tree() {
	local dir=$1 cfgs=$1.cfg cfg pids=()
	mkdir -p "$dir" "$cfgs"
	awk -v dir="$dir" -v cfgs="$cfgs" -v n="$WORKERS" '{ p = $0; sub("^[a-z]+://[^/]+/", "", p); printf "url = \"%s\"\noutput = \"%s/%s\"\n", $0, dir, p > (cfgs "/" (NR % n)) }' "$RUN/urls"
	for cfg in "$cfgs"/*; do
		curl -sf --create-dirs -K "$cfg" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# An untimed sync first: the fake renders each page once per serial (as PyPI's CDN caches them), and
# the first round should not pay for that alone.
MIRROR=$WORK/warmup
mirror
jq -r 'to_entries[] | .value.url, (if .value.metadata then .value.url + ".metadata" else empty end)' \
	"$MIRROR"/state/origins/*.json >"$RUN/urls"

# timed_sync BIN DIR: a full sync by BIN into DIR; prints "WALL CPU" (seconds).
timed_sync() {
	MIRROR=$2 MIRROR_BIN=$1 /usr/bin/time -o "$RUN/time" -f '%e %U %S' bash -c "$(declare -f mirror); mirror"
	awk '{ printf "%.2f %.2f", $1, $2 + $3 }' "$RUN/time"
}
export FAKE_INDEX FAKE_FILES WORKERS

# 1. full sync, then the same files with curl, ROUNDS times
t_full=() c_full=() t_old=() c_old=() t_curl=() t_curltree=() r_flat=() r_tree=()
for round in $(seq "$ROUNDS"); do
	if [ -n "${OLD_BIN:-}" ] && [ $((round % 2)) = 0 ]; then
		read -r w c <<<"$(timed_sync "$OLD_BIN" "$WORK/old.$round")"
		t_old+=("$w") c_old+=("$c")
	fi
	MIRROR=$WORK/mirror.$round
	read -r w c <<<"$(timed_sync "$BIN" "$MIRROR")"
	t_full+=("$w") c_full+=("$c")
	if [ -n "${OLD_BIN:-}" ] && [ $((round % 2)) = 1 ]; then
		read -r w c <<<"$(timed_sync "$OLD_BIN" "$WORK/old.$round")"
		t_old+=("$w") c_old+=("$c")
	fi
	t0=$(now)
	curl_flat "$WORK/curl.$round"
	t_curl+=("$(secs "$t0" "$(now)")")
	t0=$(now)
	curl_tree "$WORK/curltree.$round"
	t_curltree+=("$(secs "$t0" "$(now)")")
	r_flat+=("$(ratio "${t_full[-1]}" "${t_curl[-1]}")")
	r_tree+=("$(ratio "${t_full[-1]}" "${t_curltree[-1]}")")
done
nfiles=$(wc -l <"$RUN/urls")
nstored=$(find "$MIRROR/web/packages" -type f ! -name '.*' | wc -l)
bytes=$(find "$MIRROR/web/packages" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
ncurl=$(find "$WORK/curl.$ROUNDS" -type f | wc -l)
ncurltree=$(find "$WORK/curltree.$ROUNDS" -type f | wc -l)

# 2. incremental: CHANGED projects get a release
kill -HUP "$FAKE_PID"
for i in $(seq 100); do grep -q 'published 2.0.0' "$RUN/mirror.log" && break; sleep 0.05; done
t0=$(now)
mirror
t_inc=$(secs "$t0" "$(now)")
nafter=$(find "$MIRROR/web/packages" -type f ! -name '.*' | wc -l)

# 3. verify vs sha256sum over the same files (page cache warm for both: each is run twice, the second timed)
find "$MIRROR/web/packages" -type f ! -name '.*' -print0 >"$RUN/files0"
xargs -0 sha256sum <"$RUN/files0" >/dev/null
t0=$(now)
xargs -0 sha256sum <"$RUN/files0" >/dev/null
t_sha=$(secs "$t0" "$(now)")
"$OUT/pypi-proxy" verify --cache-dir "$MIRROR" --workers "$WORKERS" >/dev/null
t0=$(now)
"$OUT/pypi-proxy" verify --cache-dir "$MIRROR" --workers "$WORKERS" >"$RUN/verify.out"
t_verify=$(secs "$t0" "$(now)")

cat <<REPORT
mirror benchmark: $PROJECTS projects, $nfiles file URLs ($nstored stored, $bytes bytes), workers $WORKERS, $(nproc) CPUs, trees on $(df --output=fstype "$WORK" | tail -1)
  full sync, $ROUNDS rounds (s)       mirror: ${t_full[*]}   (CPU s: ${c_full[*]}; median wall $(median "${t_full[@]}"), CPU $(median "${c_full[@]}"))
$([ -n "${OLD_BIN:-}" ] && echo "                             OLD_BIN mirror: ${t_old[*]}   (CPU s: ${c_old[*]}; median wall $(median "${t_old[@]}"), CPU $(median "${c_old[@]}"))")
    xargs -P$WORKERS curl, flat ($ncurl files):      ${t_curl[*]}   ratios ${r_flat[*]}   median $(median "${r_flat[@]}") (goal <= 1.3)
    $WORKERS curls, aa/bb/hash/ tree ($ncurltree files): ${t_curltree[*]}   ratios ${r_tree[*]}   median $(median "${r_tree[@]}")
  incremental ($CHANGED changed) ${t_inc} s   ($nafter files after; goal < 2 s)
  verify                ${t_verify} s    sha256sum: ${t_sha} s   speed ratio $(ratio "$t_sha" "$t_verify") (goal >= 0.8)
$(sed 's/^/  /' "$RUN/verify.out" | head -3)
REPORT
