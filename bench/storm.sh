#!/usr/bin/env bash
# Cold storm (issue 12): CLIENTS clients at once each "install" the same PROJECTS-project set
# through a cold pypi-proxy serve, as `pip download --no-deps` of the set does: every project's
# page (pip's Accept header), then the newest wheel it links, checked against the page's sha256.
# The crowd is bench/stormclient (one Go process: a connection per client, from 127.0.0.2-251, so
# the proxy's --max-connections-per-ip sees what that many hosts would send); PIP_CLIENTS more are
# real pip (`pip download --no-deps --no-cache-dir` of the set) from 127.0.0.1, released at the
# same moment. The fake upstream's request counts (its control API) must show every page and file
# fetched exactly once: a duplicate fails the run. Then the same storm again through the proxy, now
# warm (no upstream request allowed), and against nginx serving the tree the proxy filled: wall
# times as ratios to nginx's.
#
#   bench/storm.sh      # CLIENTS=500 PIP_CLIENTS=8 PROJECTS=30 RELEASES=3 REVALIDATE_AFTER=10m
#
# pip sends Cache-Control: max-age=0 with each page request, which makes the proxy revalidate the
# page upstream (a conditional GET) unless it is younger than --revalidate-after: the storm runs
# with REVALIDATE_AFTER (10m), so "once" is about cold fetches. With REVALIDATE_AFTER=0 (the
# proxy's default) the pip clients' revalidations are counted, not failed.
source "$(dirname "$0")/lib.sh"
need curl jq flock
CLIENTS=${CLIENTS:-500} PIP_CLIENTS=${PIP_CLIENTS:-8} PROJECTS=${PROJECTS:-30} RELEASES=${RELEASES:-3}
REVALIDATE_AFTER=${REVALIDATE_AFTER:-10m}
PY=/usr/bin/python3
[ "$PIP_CLIENTS" = 0 ] || "$PY" -m pip --version >/dev/null

build
[ "${NO_BUILD:-}" = 1 ] || (cd "$REPO" && go build -o "$OUT/stormclient" ./bench/stormclient)
start_fake fake -no-demo -generate "$PROJECTS" -releases "$RELEASES" -control-addr 127.0.0.1:0
mapfile -t names < <(seq -f 'genpkg-%06g' 0 $((PROJECTS - 1)))

# pip_client I BASE DIR: once DIR/start.lock is free, one `pip download` of the set into
# DIR/pip.I; writes DIR/I.pip: "ok SECONDS" (from the release) or the log's tail.
pip_client() {
	local i=$1 base=$2 dir=$3 home
	home=$(mktemp -d "$dir/home.XXXXXX")
	echo "pip$i" >>"$dir/ready"
	flock -s "$dir/start.lock" true
	if env -u http_proxy -u https_proxy -u all_proxy -u PYTHONPATH -u VIRTUAL_ENV \
		HOME="$home" PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 NO_PROXY=127.0.0.1,localhost \
		"$PY" -m pip download -q --no-deps --no-cache-dir -d "$dir/pip.$i" --index-url "$base/simple/" "${names[@]}" \
		>"$dir/pip.$i.log" 2>&1 && [ "$(find "$dir/pip.$i" -name '*.whl' | wc -l)" = "$PROJECTS" ]; then
		echo "ok $(awk -v s="$(cat "$dir/start")" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')" >"$dir/$i.pip"
	else
		tail -3 "$dir/pip.$i.log" >"$dir/$i.pip"
	fi
}

# storm NAME BASE: the crowd and the pip clients at once against BASE; prints
# "wall_s errors p50_s p99_s requests pip_errors pip_slowest_s".
storm() {
	local dir=$RUN/$1 base=$2 i pids=() crowd pip_err=0 pip_max=-
	mkdir -p "$dir"
	: >"$dir/ready"
	exec 9>"$dir/start.lock"
	flock 9
	for i in $(seq "$PIP_CLIENTS"); do pip_client "$i" "$base" "$dir" 9>&- & pids+=($!); done
	until [ "$(wc -l <"$dir/ready")" -ge "$PIP_CLIENTS" ]; do sleep 0.1; done
	date +%s.%N >"$dir/start"
	exec 9>&- # releases the pip clients; the crowd starts at once too
	crowd=$("$OUT/stormclient" -index "$base/simple/" -clients "$CLIENTS" -files-out "$dir/wanted" "${names[@]}" 2>"$dir/crowd.err" |
		sed -n 's/^RESULT //p')
	for i in "${pids[@]}"; do wait "$i"; done
	if [ "$PIP_CLIENTS" != 0 ]; then
		pip_err=$(cat "$dir"/*.pip | grep -cv '^ok ' || true)
		pip_max=$(cat "$dir"/*.pip | awk '$1 == "ok" && $2 > m { m = $2 } END { printf "%.2f", m }')
	fi
	head -3 "$dir/crowd.err" >&2
	echo "$crowd $pip_err $pip_max"
}

start_proxy "$RUN/cache" "$FAKE_INDEX" --log-level warn --revalidate-after "$REVALIDATE_AFTER"
curl -sf -X DELETE "$FAKE_CONTROL/counts" # the proxy's start-up check of the upstream root is not the storm's
load=$(cut -d' ' -f1-3 /proc/loadavg)
read -r p_s p_err p_p50 p_p99 p_reqs p_perr p_pip < <(storm proxy "$PROXY")
curl -sf "$FAKE_CONTROL/counts" >"$RUN/counts.json"
read -r w_s w_err w_p50 w_p99 _ w_perr w_pip < <(storm warm "$PROXY")
warm_gets=$(($(curl -sf "$FAKE_CONTROL/counts" | jq '[.index[], .files[]] | add') - $(jq '[.index[], .files[]] | add' "$RUN/counts.json")))
start_nginx "$RUN/cache" off
read -r n_s n_err n_p50 n_p99 _ n_perr n_pip < <(storm nginx "$NGINX")

# What the proxy fetched upstream during its storm, against what the clients asked for.
jq -r '.index, .files | to_entries[] | "\(.value) \(.key)"' "$RUN/counts.json" | sort -k2 >"$RUN/upstream"
dup=$(awk '$1 > 1' "$RUN/upstream" | wc -l)
up_pages=$(grep -c ' /simple/' "$RUN/upstream" || true) up_files=$(grep -c ' /packages/' "$RUN/upstream" || true)
up_gets=$(awk '{ s += $1 } END { print s + 0 }' "$RUN/upstream")
missing=$(comm -23 <(sort "$RUN/proxy/wanted") <(cut -d' ' -f2 "$RUN/upstream" | sort) | wc -l)

echo "cold storm: $CLIENTS clients (bench/stormclient, 127.0.0.2-251) + $PIP_CLIENTS pip download clients at once, each"
echo "the same $PROJECTS projects (page, then its newest wheel), $(nproc) cores, load $load before, $(cut -d' ' -f1-3 /proc/loadavg) after"
printf '%-26s %8s %8s %8s %7s %9s %10s %8s %8s\n' "index" "crowd s" "p50 s" "p99 s" "errors" "requests" "pip last s" "pip err" "ratio"
printf '%-26s %8s %8s %8s %7s %9s %10s %8s %8s\n' "nginx on the filled tree" "$n_s" "$n_p50" "$n_p99" "$n_err" "" "$n_pip" "$n_perr" ""
printf '%-26s %8s %8s %8s %7s %9s %10s %8s %8s\n' "pypi-proxy serve, cold" "$p_s" "$p_p50" "$p_p99" "$p_err" "$p_reqs" "$p_pip" "$p_perr" \
	"$(ratio "$p_s" "$n_s")x"
printf '%-26s %8s %8s %8s %7s %9s %10s %8s %8s\n' "pypi-proxy serve, warm" "$w_s" "$w_p50" "$w_p99" "$w_err" "" "$w_pip" "$w_perr" \
	"$(ratio "$w_s" "$n_s")x"
echo "(crowd s: from the release until the last crowd client finished; p50/p99: one client's whole install;"
echo " pip last s: until the last pip client finished; ratio: crowd s, proxy / nginx)"
[ "$PIP_CLIENTS" = 0 ] || echo "pip last s, proxy / nginx: cold $(ratio "$p_pip" "$n_pip")x, warm $(ratio "$w_pip" "$n_pip")x"
echo "upstream during the proxy's cold storm: $up_gets GETs for $up_pages pages and $up_files files ($(wc -l <"$RUN/proxy/wanted") distinct files wanted);"
echo "  fetched more than once: $dup; wanted but never fetched upstream: $missing; during the warm storm: $warm_gets GETs"
if { [ "$dup" != 0 ] || [ "$warm_gets" != 0 ]; } && [ "$REVALIDATE_AFTER" != 0 ]; then
	echo "FAIL: duplicate upstream fetches:" >&2
	awk '$1 > 1' "$RUN/upstream" >&2
	exit 1
fi
if [ "$p_err" != 0 ] || [ "$w_err" != 0 ] || [ "$n_err" != 0 ] || [ "$p_perr" != 0 ] || [ "$w_perr" != 0 ] ||
	[ "$n_perr" != 0 ] || [ "$missing" != 0 ] || [ "$up_pages" != "$PROJECTS" ]; then
	echo "FAIL: client errors, or pages or files not fetched upstream" >&2
	exit 1
fi
