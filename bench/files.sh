#!/usr/bin/env bash
# File downloads (issue 4):
#   1. warm 1 MiB and 100 MiB files: pypi-proxy serve vs nginx (nginx/pypi-mirror.conf) on the same tree,
#      wrk, same run; goal >= 0.9x nginx's MB/s;
#   2. cold 100 MiB file from a fake files host limited to BANDWIDTH bytes/s: curl through a fresh proxy
#      (new cache dir) vs curl straight from the fake; goal: within 5%;
#   3. memory: CLIENTS concurrent cold clients of one MEM_SIZE file through a fresh proxy; its peak RSS
#      (VmHWM); goal < 100 MiB.
#
#   bench/files.sh     # DURATION=10s BANDWIDTH=50000000 MEM_SIZE=1GiB CLIENTS=10
source "$(dirname "$0")/lib.sh"
need wrk nginx curl jq
DURATION=${DURATION:-10s} BANDWIDTH=${BANDWIDTH:-50000000} MEM_SIZE=${MEM_SIZE:-1GiB} CLIENTS=${CLIENTS:-10}

build
start_fake fast -no-demo -big-file 1MiB -big-file 100MiB -big-file "$MEM_SIZE"
FAST_INDEX=$FAKE_INDEX FAST_FILES=$FAKE_FILES
start_fake slow -no-demo -big-file 100MiB -bandwidth "$BANDWIDTH"
SLOW_INDEX=$FAKE_INDEX SLOW_FILES=$FAKE_FILES
MEM_PROJECT=big-$(jq -rn --arg s "$MEM_SIZE" '$s | if endswith("GiB") then (.[:-3]|tonumber)*1073741824 elif endswith("MiB") then (.[:-3]|tonumber)*1048576 else tonumber end')

# 1. warm (start_proxy trusts $FAKE_FILES: the files host of the fake it points at)
FAKE_FILES=$FAST_FILES
start_proxy "$RUN/warm" "$FAST_INDEX" --log-level warn
start_nginx "$RUN/warm" off
declare -A via_proxy via_nginx
for p in big-1048576 big-104857600; do
	u=$(file_url "$PROXY/simple/" "$p")
	curl -sf -o /dev/null "$u" # fills the cache
	via_proxy[$p]=$u
	via_nginx[$p]=$NGINX${u#"$PROXY"}
	curl -sf -o "$RUN/a" "${via_proxy[$p]}"
	curl -sf -o "$RUN/b" "${via_nginx[$p]}"
	cmp -s "$RUN/a" "$RUN/b" || { echo "$p: proxy and nginx bytes differ" >&2; exit 1; }
done
rm -f "$RUN/a" "$RUN/b"
read -r _ n1 n1e < <(wrk_run "${via_nginx[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ p1 p1e < <(wrk_run "${via_proxy[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ n100 n100e < <(wrk_run "${via_nginx[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)
read -r _ p100 p100e < <(wrk_run "${via_proxy[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)
stop_proxy

# 2. cold, bandwidth-limited
FAKE_FILES=$SLOW_FILES
start_proxy "$RUN/cold" "$SLOW_INDEX" --log-level warn
direct=$(curl -sf -H 'Accept: application/vnd.pypi.simple.v1+json' "${SLOW_INDEX}big-104857600/" | jq -r '.files[0].url')
cold=$(file_url "$PROXY/simple/" big-104857600) # fetches the page, not the file
t_direct=$(curl -sf -o /dev/null -w '%{time_total}' "$direct")
t_cold=$(curl -sf -o /dev/null -w '%{time_total}' "$cold")
t_warm=$(curl -sf -o /dev/null -w '%{time_total}' "$cold")
stop_proxy

# 3. memory
FAKE_FILES=$FAST_FILES
start_proxy "$RUN/mem" "$FAST_INDEX" --log-level warn
u=$(file_url "$PROXY/simple/" "$MEM_PROJECT")
start=$(date +%s.%N)
for i in $(seq "$CLIENTS"); do
	curl -sf -o /dev/null -w '%{size_download}\n' "$u" >"$RUN/mem.$i" &
done
wait_clients_ok=1
for i in $(seq "$CLIENTS"); do
	while [ ! -s "$RUN/mem.$i" ]; do sleep 0.2; done
	[ "$(cat "$RUN/mem.$i")" = "${MEM_PROJECT#big-}" ] || wait_clients_ok=0
done
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
hwm=$(rss_hwm "$PROXY_PID")
stop_proxy

echo "warm downloads, wrk -d$DURATION (1 MiB: -t2 -c8; 100 MiB: -t1 -c2), $(nproc) cores; MB/s = 10^6 bytes/s"
printf '%-34s %10s %10s %7s %7s\n' file "nginx MB/s" "proxy MB/s" ratio errors
printf '%-34s %10s %10s %7s %7s\n' "1 MiB" "$n1" "$p1" "$(ratio "$p1" "$n1")x" "$((n1e + p1e))"
printf '%-34s %10s %10s %7s %7s\n' "100 MiB" "$n100" "$p100" "$(ratio "$p100" "$n100")x" "$((n100e + p100e))"
echo
echo "cold 100 MiB, fake files host limited to $BANDWIDTH bytes/s"
printf '%-34s %8ss\n' "curl direct from the fake" "$t_direct"
printf '%-34s %8ss  (%sx direct)\n' "curl through a cold proxy" "$t_cold" "$(ratio "$t_cold" "$t_direct")"
printf '%-34s %8ss\n' "same again, now warm" "$t_warm"
echo
echo "memory: $CLIENTS concurrent cold clients of one $MEM_SIZE file (unthrottled fake), ${elapsed}s"
printf '%-34s %8s MiB  (all clients got every byte: %s)\n' "pypi-proxy peak RSS (VmHWM)" "$hwm" \
	"$([ $wait_clients_ok = 1 ] && echo yes || echo NO)"
