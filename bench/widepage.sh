#!/usr/bin/env bash
# A project page with FILES files (issue 15: 30,000, PyPI's widest pages): `pip download --no-deps` of its newest
# file through a warm pypi-proxy serve that revalidates the page with upstream on each request (pip sends
# Cache-Control: max-age=0; the fake answers 304) vs nginx (nginx/pypi-mirror.conf) serving the same tree,
# alternating, RUNS runs each; the proxy's CPU per run. Goal: proxy within 1.05x of nginx.
#
#   bench/widepage.sh       # FILES=30000 RUNS=5
source "$(dirname "$0")/lib.sh"
need nginx curl
FILES=${FILES:-30000} RUNS=${RUNS:-5}
/usr/bin/python3 -m pip --version >/dev/null
build
start_fake fake -no-demo -generate 1 -releases "$FILES"
want="genpkg-000000==1.0.$((FILES - 1))"

# pip_download INDEX_URL: one timed download of the newest file into a fresh dir; prints seconds.
pip_download() {
	local dir start
	dir=$(mktemp -d "$RUN/dl.XXXXXX")
	start=$(date +%s.%N)
	run_pip download -q --no-deps --no-cache-dir --index-url "$1" -d "$dir" "$want"
	awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'
	[ "$(ls "$dir" | wc -l)" = 1 ] || { echo "pip downloaded the wrong set" >&2; exit 1; }
	rm -rf "$dir"
}
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_proxy "$RUN/cache" "$FAKE_INDEX" --log-level warn
cold=$(pip_download "$PROXY/simple/") # fills the tree: the page and the file
start_nginx "$RUN/cache" off
size=$(stat -c %s "$RUN/cache/web/simple/genpkg-000000/index.v1_json")
t_nginx=() t_proxy=()
c0=$(cpu "$PROXY_PID")
for _ in $(seq "$RUNS"); do
	t_nginx+=("$(pip_download "$NGINX/simple/")")
	t_proxy+=("$(pip_download "$PROXY/simple/")")
done
c1=$(cpu "$PROXY_PID")
revalidations=$(metric "$PROXY" pypi_proxy_page_revalidations_total)

stats() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1; s += $1 } END { printf "%.3f %.3f\n", a[int((NR + 1) / 2)], a[1] }'; }
read -r n_med n_min < <(stats "${t_nginx[@]}")
read -r p_med p_min < <(stats "${t_proxy[@]}")
echo "pip download --no-deps of one file from a page of $FILES files ($size bytes of JSON), $RUNS runs each, $(nproc) cores"
echo "(the first, cold download through the proxy took ${cold}s; upstream revalidations answered 304: $revalidations)"
printf '%-44s %8s %8s %8s\n' "index" "median s" "min s" "ratio"
printf '%-44s %8s %8s %8s\n' "nginx on the tree" "$n_med" "$n_min" ""
printf '%-44s %8s %8s %7sx\n' "pypi-proxy serve, revalidating each page" "$p_med" "$p_min" "$(ratio "$p_med" "$n_med")"
printf '%-44s %8s\n' "proxy CPU per download (ms)" "$(awk -v a="$c0" -v b="$c1" -v n="$RUNS" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')"
