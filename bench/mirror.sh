#!/usr/bin/env bash
# Eager mirror (issue 5), all against one local fake upstream (cmd/fakepypi -generate PROJECTS -releases 2:
# PROJECTS*2 wheels + as many PEP 658 metadata files):
#   1. full sync: `pypi-proxy mirror` vs a plain parallel download of the same file URLs
#      (xargs -P WORKERS curl, 100 URLs per curl so connections are reused), same run; goal <= 1.3x;
#   2. incremental sync after CHANGED projects got a new release (SIGHUP to the fake); goal < 2 s;
#   3. `pypi-proxy verify` vs `sha256sum` over the same files; goal >= 0.8x sha256sum's speed.
#
#   bench/mirror.sh     # PROJECTS=2000 CHANGED=10 WORKERS=8
source "$(dirname "$0")/lib.sh"
need curl jq sha256sum
PROJECTS=${PROJECTS:-2000} CHANGED=${CHANGED:-10} WORKERS=${WORKERS:-8}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

build
start_fake mirror -no-demo -generate "$PROJECTS" -releases 2 -publish-on-hup "$CHANGED"
FAKE_PID=${PIDS[-1]}
MIRROR=$RUN/mirror
mirror() { "$OUT/pypi-proxy" mirror --upstream "$FAKE_INDEX" --cache-dir "$MIRROR" --workers "$WORKERS" --progress none --log-level warn "$@"; }

# 1. full sync, then the same files with curl
t0=$(now)
mirror
t_full=$(secs "$t0" "$(now)")
jq -r 'to_entries[] | .value.url, (if .value.metadata then .value.url + ".metadata" else empty end)' \
	"$MIRROR"/state/origins/*.json >"$RUN/urls"
nfiles=$(wc -l <"$RUN/urls")
nstored=$(find "$MIRROR/web/packages" -type f ! -name '.*' | wc -l)
bytes=$(find "$MIRROR/web/packages" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
mkdir -p "$RUN/curl"
t0=$(now)
(cd "$RUN/curl" && xargs -P "$WORKERS" -n 100 curl -sf --remote-name-all <"$RUN/urls")
t_curl=$(secs "$t0" "$(now)")
ncurl=$(find "$RUN/curl" -type f | wc -l)
# The same download into the mirror's layout (packages/aa/bb/<hash>/<file>: three directory levels per
# file, as the bandersnatch tree and files.pythonhosted.org have it): WORKERS curls, each with a config
# file of url/output pairs and --create-dirs.
mkdir -p "$RUN/curltree" "$RUN/curlcfg"
awk -v dir="$RUN/curltree" -v n="$WORKERS" '{ p = $0; sub("^[a-z]+://[^/]+/", "", p); printf "url = \"%s\"\noutput = \"%s/%s\"\n", $0, dir, p > ("'"$RUN"'/curlcfg/" (NR % n)) }' "$RUN/urls"
t0=$(now)
curls=()
for cfg in "$RUN"/curlcfg/*; do
	curl -sf --create-dirs -K "$cfg" &
	curls+=($!)
done
wait "${curls[@]}"
t_curltree=$(secs "$t0" "$(now)")
ncurltree=$(find "$RUN/curltree" -type f | wc -l)

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
mirror benchmark: $PROJECTS projects, $nfiles file URLs ($nstored stored, $bytes bytes), workers $WORKERS, $(nproc) CPUs
  full sync             ${t_full} s    xargs -P$WORKERS curl of the same URLs: ${t_curl} s ($ncurl files)   ratio $(ratio "$t_full" "$t_curl") (goal <= 1.3)
                                  the same into the mirror's aa/bb/hash/ tree: ${t_curltree} s ($ncurltree files)   ratio $(ratio "$t_full" "$t_curltree")
  incremental ($CHANGED changed) ${t_inc} s   ($nafter files after; goal < 2 s)
  verify                ${t_verify} s    sha256sum: ${t_sha} s   speed ratio $(ratio "$t_sha" "$t_verify") (goal >= 0.8)
$(sed 's/^/  /' "$RUN/verify.out" | head -3)
REPORT
