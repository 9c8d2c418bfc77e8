#!/usr/bin/env bash
# Cold storm (issue 12): CLIENTS concurrent clients each "install" the same PROJECTS-project set
# through a cold pypi-proxy serve: the page of every project (pip's Accept, in a random order per
# client), then the newest wheel each page links, as `pip download --no-deps` of the whole set
# does. Clients are curl (one keep-alive connection for the pages, one for the files, bytes counted
# against the page's size) from 127.0.0.2-251, so the proxy's --max-connections-per-ip sees what
# 500 hosts would send; PIP_CLIENTS more are real pip (`pip download --no-deps --no-cache-dir` of
# the whole set) from 127.0.0.1, released at the same moment. The fake upstream's request counts
# (its control API) must show every page and every file fetched exactly once: any duplicate fails
# the run. Then the same storm against nginx serving the tree the proxy filled: wall time ratio.
#
#   bench/storm.sh      # CLIENTS=500 PIP_CLIENTS=8 PROJECTS=30 RELEASES=3 REVALIDATE_AFTER=10m
#
# pip sends Cache-Control: max-age=0 with each page request, which makes the proxy revalidate the
# page upstream (a conditional GET) unless it is younger than --revalidate-after; the storm runs
# with REVALIDATE_AFTER (10m), so "once" is about cold fetches. REVALIDATE_AFTER=0 (the proxy's
# default) shows the conditional GETs the pip clients cause; they are then counted, not failed.
source "$(dirname "$0")/lib.sh"
need curl jq flock
CLIENTS=${CLIENTS:-500} PIP_CLIENTS=${PIP_CLIENTS:-8} PROJECTS=${PROJECTS:-30} RELEASES=${RELEASES:-3}
REVALIDATE_AFTER=${REVALIDATE_AFTER:-10m}
PY=/usr/bin/python3
[ "$PIP_CLIENTS" = 0 ] || "$PY" -m pip --version >/dev/null

build
start_fake fake -no-demo -generate "$PROJECTS" -releases "$RELEASES" -control-addr 127.0.0.1:0
mapfile -t names < <(seq -f 'genpkg-%06g' 0 $((PROJECTS - 1)))

# client I BASE DIR: one curl client, released by the start lock; writes DIR/I.pages (a status a
# page) and DIR/I.files ("status bytes expected" a file).
client() {
	local i=$1 base=$2 dir=$3 ip=127.0.0.$((2 + $1 % 250))
	echo "$i" >>"$dir/ready"
	flock -s "$dir/start.lock" true
	shuf -e "${names[@]}" | sed "s|.*|url = \"$base/simple/&/\"|" >"$dir/$i.pages.curl"
	# The pages go to stdout, one JSON document after another; the statuses to stderr.
	curl -s --interface "$ip" -H "Accept: $PIP_ACCEPT" -K "$dir/$i.pages.curl" -w '%{stderr}%{http_code}\n' 2>"$dir/$i.pages" |
		jq -r '.files[-1] | "\(.size) \(.url)"' 2>/dev/null | sed -n 's|^\([0-9]*\) \.\./\.\./packages/|\1 /packages/|p' >"$dir/$i.want"
	sed "s|^[0-9]* \(.*\)|url = \"$base\1\"\noutput = \"/dev/null\"|" "$dir/$i.want" >"$dir/$i.files.curl"
	curl -s --interface "$ip" -K "$dir/$i.files.curl" -w '%{http_code} %{size_download}\n' |
		paste -d' ' - <(cut -d' ' -f1 "$dir/$i.want") >"$dir/$i.files"
}

# pip_client I BASE DIR: one `pip download` of the whole set into DIR/pip.I; writes DIR/I.pip
# ("ok" or the log's tail).
pip_client() {
	local i=$1 base=$2 dir=$3 home
	home=$(mktemp -d "$dir/home.XXXXXX")
	echo "pip$i" >>"$dir/ready"
	flock -s "$dir/start.lock" true
	if env -u http_proxy -u https_proxy -u all_proxy -u PYTHONPATH -u VIRTUAL_ENV \
		HOME="$home" PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 NO_PROXY=127.0.0.1,localhost \
		"$PY" -m pip download -q --no-deps --no-cache-dir -d "$dir/pip.$i" --index-url "$base/simple/" "${names[@]}" \
		>"$dir/pip.$i.log" 2>&1 && [ "$(find "$dir/pip.$i" -name '*.whl' | wc -l)" = "$PROJECTS" ]; then
		echo ok >"$dir/$i.pip"
	else
		tail -3 "$dir/pip.$i.log" >"$dir/$i.pip"
	fi
}

# storm NAME BASE: every client at once against BASE; prints "seconds errors pip_seconds".
storm() {
	local dir=$RUN/$1 base=$2 i start pip_end=0 pids=() pip_pids=()
	mkdir -p "$dir"
	: >"$dir/ready"
	exec 9>"$dir/start.lock"
	flock 9
	for i in $(seq "$CLIENTS"); do client "$i" "$base" "$dir" 9>&- & pids+=($!); done
	for i in $(seq "$PIP_CLIENTS"); do pip_client "$i" "$base" "$dir" 9>&- & pip_pids+=($!); done
	until [ "$(wc -l <"$dir/ready")" -ge $((CLIENTS + PIP_CLIENTS)) ]; do sleep 0.1; done
	start=$(date +%s.%N)
	exec 9>&- # releases every client
	for i in "${pip_pids[@]}"; do wait "$i"; done
	[ "$PIP_CLIENTS" = 0 ] || pip_end=$(date +%s.%N)
	for i in "${pids[@]}"; do wait "$i"; done
	local end errors
	end=$(date +%s.%N)
	errors=$(($(cat "$dir"/*.pages | grep -cvx 200 || true) + $(cat "$dir"/*.files | awk '$1 != 200 || $2 != $3' | wc -l)))
	errors=$((errors + $(cat "$dir"/*.pages | wc -l) - CLIENTS * PROJECTS + $(cat "$dir"/*.files | wc -l) - CLIENTS * PROJECTS))
	[ "$PIP_CLIENTS" = 0 ] || errors=$((errors + $(cat "$dir"/*.pip | grep -cvx ok || true)))
	awk -v s="$start" -v e="$end" -v p="$pip_end" -v n="$errors" 'BEGIN { printf "%.2f %d %.2f\n", e - s, n, (p > 0 ? p - s : 0) }'
}

start_proxy "$RUN/cache" "$FAKE_INDEX" --log-level warn --revalidate-after "$REVALIDATE_AFTER"
curl -sf -X DELETE "$FAKE_CONTROL/counts" # the proxy's start-up check of the upstream root is not the storm's
load=$(cut -d' ' -f1-3 /proc/loadavg)
read -r p_s p_err p_pip < <(storm proxy "$PROXY")
curl -sf "$FAKE_CONTROL/counts" >"$RUN/counts.json"
start_nginx "$RUN/cache" off
read -r n_s n_err n_pip < <(storm nginx "$NGINX")

# What the clients fetched (distinct paths) against what the proxy fetched upstream.
cat "$RUN"/proxy/*.want | cut -d' ' -f2 | sort -u >"$RUN/wanted"
jq -r '.index | to_entries[] | "\(.value) \(.key)"' "$RUN/counts.json" | sort -k2 >"$RUN/up.pages"
jq -r '.files | to_entries[] | "\(.value) \(.key)"' "$RUN/counts.json" | sort -k2 >"$RUN/up.files"
dup=$(cat "$RUN/up.pages" "$RUN/up.files" | awk '$1 > 1' | wc -l)
up_pages=$(wc -l <"$RUN/up.pages") up_files=$(wc -l <"$RUN/up.files")
up_gets=$(cat "$RUN/up.pages" "$RUN/up.files" | awk '{ s += $1 } END { print s + 0 }')
missing=$(cut -d' ' -f2 "$RUN/up.files" | comm -23 "$RUN/wanted" - | wc -l)

echo "cold storm: $CLIENTS curl clients (127.0.0.2-251) + $PIP_CLIENTS pip download clients, each the same $PROJECTS projects"
echo "(page, then its newest wheel), $(nproc) cores, load $load before, $(cut -d' ' -f1-3 /proc/loadavg) after"
printf '%-44s %9s %7s %12s %9s\n' "index" "wall s" "errors" "pip done s" "ratio"
printf '%-44s %9s %7s %12s %9s\n' "nginx on the filled tree" "$n_s" "$n_err" "$n_pip" ""
printf '%-44s %9s %7s %12s %9s\n' "pypi-proxy serve, cold" "$p_s" "$p_err" "$p_pip" "$(ratio "$p_s" "$n_s")x"
echo "upstream during the proxy's storm: $up_gets GETs for $up_pages pages and $up_files files ($(wc -l <"$RUN/wanted") distinct files wanted);"
echo "  fetched more than once: $dup; wanted but never fetched upstream: $missing"
if [ "$dup" != 0 ] && [ "$REVALIDATE_AFTER" != 0 ]; then
	echo "FAIL: duplicate upstream fetches:" >&2
	cat "$RUN/up.pages" "$RUN/up.files" | awk '$1 > 1' >&2
	exit 1
fi
if [ "$p_err" != 0 ] || [ "$n_err" != 0 ] || [ "$missing" != 0 ] || [ "$up_pages" != "$PROJECTS" ]; then
	echo "FAIL: client errors, or pages or files not fetched upstream" >&2
	exit 1
fi
