#!/usr/bin/env bash
# `pip install` (Debian's pip 23, Python 3.11, --target, --no-cache-dir) of PROJECTS generated projects
# (2 wheel-only releases each) from a warm pypi-proxy serve vs nginx (nginx/pypi-mirror.conf) serving the
# same tree, alternating, RUNS timed runs each, same run. Issue 4's goal: proxy within 1.1x of nginx.
#
# The timed proxy runs use --offline: the proxy answers from the tree alone. pip sends
# Cache-Control: max-age=0 for pages, which makes a proxy with an upstream revalidate each page
# (a conditional request, answered 304): REVALIDATE=1 adds that row, the realistic one.
#
#   bench/pip.sh       # PROJECTS=40 RUNS=5
source "$(dirname "$0")/lib.sh"
need nginx curl
PROJECTS=${PROJECTS:-40} RUNS=${RUNS:-5}
/usr/bin/python3 -m pip --version >/dev/null

build
start_fake fake -no-demo -generate "$PROJECTS" -releases 2
mapfile -t names < <(seq -f 'genpkg-%06g' 0 $((PROJECTS - 1)))

# pip_install INDEX_URL: one timed install into a fresh dir; prints seconds.
pip_install() {
	local dir start
	dir=$(mktemp -d "$RUN/target.XXXXXX")
	start=$(date +%s.%N)
	run_pip install -q --no-cache-dir --index-url "$1" --target "$dir" "${names[@]}"
	awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'
	[ "$(ls -d "$dir"/*.dist-info | wc -l)" = "$PROJECTS" ] || { echo "pip installed the wrong set" >&2; exit 1; }
	rm -rf "$dir"
}

start_proxy "$RUN/cache" "$FAKE_INDEX" --log-level warn
warm=$(pip_install "$PROXY/simple/") # fills the tree: every page and file
stop_proxy

start_nginx "$RUN/cache" off
start_proxy "$RUN/cache" "$FAKE_INDEX" --log-level warn --offline
t_nginx=() t_offline=()
for i in $(seq "$RUNS"); do
	t_nginx+=("$(pip_install "$NGINX/simple/")")
	t_offline+=("$(pip_install "$PROXY/simple/")")
done
stop_proxy
t_proxy=(0)
if [ "${REVALIDATE:-}" = 1 ]; then
	start_proxy "$RUN/cache" "$FAKE_INDEX" --log-level warn
	t_proxy=()
	for i in $(seq "$RUNS"); do t_proxy+=("$(pip_install "$PROXY/simple/")"); done
fi

stats() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1; s += $1 } END { printf "%.2f %.2f %.2f\n", s / NR, a[int((NR + 1) / 2)], a[1] }'; }
read -r n_mean n_med n_min < <(stats "${t_nginx[@]}")
read -r p_mean p_med p_min < <(stats "${t_proxy[@]}")
read -r o_mean o_med o_min < <(stats "${t_offline[@]}")

echo "pip install --target of $PROJECTS projects ($((PROJECTS * 2)) releases on the pages), $RUNS runs each, $(nproc) cores"
echo "(the first, cold install through the proxy took ${warm}s)"
printf '%-44s %7s %7s %7s %9s\n' "index" "mean s" "median" "min" "ratio"
printf '%-44s %7s %7s %7s %9s\n' "nginx on the tree" "$n_mean" "$n_med" "$n_min" ""
printf '%-44s %7s %7s %7s %9s\n' "pypi-proxy serve --offline, warm" "$o_mean" "$o_med" "$o_min" "$(ratio "$o_mean" "$n_mean")x"
[ "${REVALIDATE:-}" = 1 ] &&
	printf '%-44s %7s %7s %7s %9s\n' "pypi-proxy serve, warm (revalidates pages)" "$p_mean" "$p_med" "$p_min" "$(ratio "$p_mean" "$n_mean")x"
true
