#!/usr/bin/env bash
# Soak (issue 12): pypi-proxy serve under steady mixed load for DURATION while the fake upstream
# fails in turn. Load: wrk (mix.lua, -t1 -c$CONNS, each connection pacing itself MIX_DELAY_MS) over
# WARM projects cached first, 80% pages (REVALIDATE_PERCENT of them with pip's max-age=0, which
# makes the proxy ask upstream) and 20% files; pages also expire after --index-ttl $INDEX_TTL; and
# COLD_CLIENTS curl loops walking projects never asked for before (page, then its newest wheel: a
# cold miss of each). The first two minutes are clean (the second is the baseline), then PHASE of
# one fault (index or files host: 5xx, connection closed or reset, slow, truncated, corrupt,
# stalled, a page one serial behind) and PHASE clean, in turn, until the last minute, which is clean
# again. Every SAMPLE the proxy's RSS (VmRSS), open descriptors (/proc/PID/fd) and goroutines. The
# proxy runs with --memory $MEMORY, so that its page and origin caches are full before the baseline
# minute (the warm set alone is larger): growth after that is not the caches filling.
#
# Fails if the last minute's mean RSS is more than RSS_TOL % above the second minute's, or its
# mean descriptors or goroutines more than FD_TOL or GOROUTINE_TOL above; if the proxy answered
# any 404 (an upstream failure is never a 404) or 500 (nor the proxy's own error: 502, 503 or 504);
# or if `pypi-proxy verify` finds a bad file in the tree afterwards (a corrupt or truncated download
# published).
#
#   bench/soak.sh       # DURATION=15m PHASE=30s SAMPLE=10s WARM=1000 COLD_PROJECTS=20000 CONNS=16
#                       # MIX_DELAY_MS=10 REVALIDATE_PERCENT=5 COLD_CLIENTS=2 INDEX_TTL=60s MEMORY=4MiB
#                       # RSS_TOL=25 FD_TOL=16 GOROUTINE_TOL=32
source "$(dirname "$0")/lib.sh"
need wrk curl jq
seconds() { awk -v d="$1" 'BEGIN { n = d + 0; u = substr(d, length(d)); print (u == "h" ? n * 3600 : u == "m" ? n * 60 : n) }'; }
DURATION=$(seconds "${DURATION:-15m}") PHASE=$(seconds "${PHASE:-30s}") SAMPLE=$(seconds "${SAMPLE:-10s}")
WARM=${WARM:-1000} COLD_PROJECTS=${COLD_PROJECTS:-20000} CONNS=${CONNS:-16} COLD_CLIENTS=${COLD_CLIENTS:-2}
export MIX_DELAY_MS=${MIX_DELAY_MS:-10} MIX_COUNT=1
REVALIDATE_PERCENT=${REVALIDATE_PERCENT:-5} INDEX_TTL=${INDEX_TTL:-60s} MEMORY=${MEMORY:-4MiB}
RSS_TOL=${RSS_TOL:-25} FD_TOL=${FD_TOL:-16} GOROUTINE_TOL=${GOROUTINE_TOL:-32}
if [ "$DURATION" -lt 240 ] || [ $((PHASE % SAMPLE)) != 0 ]; then
	echo "DURATION must be 4m or more, PHASE a multiple of SAMPLE" >&2
	exit 1
fi
# One fault a phase, in this order, round and round: host kind [status|delay].
FAULTS=(
	"index status 503" "files status 502" "index down" "files reset" "index slow 5s" "files truncate"
	"files corrupt" "index stall 10s" "files stall 10s" "index stale" "files slow 3s" "index status 500" "files down"
)

build
start_fake fake -no-demo -generate $((WARM + COLD_PROJECTS)) -releases 2 -control-addr 127.0.0.1:0
start_proxy "$RUN/cache" "$FAKE_INDEX" --log-level warn --index-ttl "$INDEX_TTL" --memory "$MEMORY"
mapfile -t warm < <(seq -f 'genpkg-%06g' 0 $((WARM - 1)))
fill "$PROXY" "$RUN/paths" "${warm[@]}"

# fault "HOST KIND [ARG]": the fake's only rule from now on ("" clears).
fault() {
	local host kind arg json
	read -r host kind arg <<<"$1"
	curl -sf -X DELETE "$FAKE_CONTROL/faults"
	[ -n "$host" ] || return 0
	json=$(jq -nc --arg h "$host" --arg k "$kind" --arg a "${arg:-}" \
		'{host: $h, kind: $k} + (if $a == "" then {} elif ($a | test("^[0-9]+$")) then {status: ($a | tonumber)} else {delay: $a} end)')
	curl -sf -X POST -d "$json" "$FAKE_CONTROL/faults"
}

# cold_client K END: projects WARM+K, WARM+K+COLD_CLIENTS, ... until the epoch second END, each its
# page (pip's Accept) then its newest wheel; one "page|file STATUS X-CACHE" line each to stdout.
cold_client() {
	local k=$1 end=$2 i n=0 code cache rel
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((WARM + (k + n * COLD_CLIENTS) % COLD_PROJECTS)) n=$((n + 1))
		read -r code cache < <(curl -s -m 60 -H "Accept: $PIP_ACCEPT" -o "$RUN/cold.$k" -w '%{http_code} %header{x-cache}\n' \
			"$PROXY/simple/$(printf 'genpkg-%06d' "$i")/" || echo 000)
		echo "page $code ${cache:--}"
		[ "$code" = 200 ] || continue
		rel=$(jq -r '.files[-1].url' "$RUN/cold.$k")
		read -r code cache < <(curl -s -m 60 -o /dev/null -w '%{http_code} %header{x-cache}\n' \
			"$PROXY/simple/$(printf 'genpkg-%06d' "$i")/$rel" || echo 000)
		echo "file $code ${cache:--}"
	done
}

# sample T: "T rss_kib fds goroutines" for the proxy now.
sample() {
	echo "$1 $(awk '/^VmRSS/ { print $2 }' "/proc/$PROXY_PID/status") $(find "/proc/$PROXY_PID/fd" -mindepth 1 | wc -l)" \
		"$(curl -sf "$PROXY/metrics" | awk '$1 == "go_goroutines" { print $2 }')"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
end=$((start + DURATION))
wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 90s -s "$BENCH_DIR/mix.lua" "$PROXY" -- "$RUN/paths" 80 "$REVALIDATE_PERCENT" \
	>"$RUN/wrk.out" 2>&1 &
wrk_pid=$!
PIDS+=("$wrk_pid")
for k in $(seq 0 $((COLD_CLIENTS - 1))); do
	cold_client "$k" "$end" >"$RUN/cold.$k.log" &
	PIDS+=($!)
done

# Every SAMPLE: a sample; at each PHASE boundary from 120 s to DURATION-60 s, the next fault or a clear.
: >"$RUN/samples"
: >"$RUN/phases"
f=0
for ((t = 0; t <= DURATION; t += SAMPLE)); do
	now=$(date +%s.%N)
	sleep "$(awk -v s="$start" -v t="$t" -v n="$now" 'BEGIN { d = s + t - n; print (d > 0 ? d : 0) }')"
	sample "$t" >>"$RUN/samples"
	if [ "$t" -ge 120 ] && [ "$t" -lt $((DURATION - 60)) ] && [ $(((t - 120) % PHASE)) = 0 ]; then
		if [ $((((t - 120) / PHASE) % 2)) = 0 ]; then
			fault "${FAULTS[f % ${#FAULTS[@]}]}"
			echo "$t ${FAULTS[f % ${#FAULTS[@]}]}" >>"$RUN/phases"
			f=$((f + 1))
		else
			fault ""
		fi
	elif [ "$t" = $((DURATION - 60)) ]; then
		fault ""
	fi
done
wait "$wrk_pid"
read -r w_rps _ w_err w_p50 w_p99 w_max w_404 w_5xx w_stale < <(sed -n 's/^RESULT //p' "$RUN/wrk.out")
sleep 1 # the cold clients' last requests
m() { metric "$PROXY" "$@"; }
served=$(m pypi_proxy_http_requests_total) s404=$(m pypi_proxy_http_requests_total 'code="404"')
s500=$(m pypi_proxy_http_requests_total 'code="500"')
s5xx=$(m pypi_proxy_http_requests_total 'code="5') stale=$(m pypi_proxy_cache_requests_total 'outcome="stale"')
sample end >"$RUN/final"
stop_proxy
verify=ok
"$OUT/pypi-proxy" verify --cache-dir "$RUN/cache" --present-only >"$RUN/verify.log" 2>&1 || verify="FAILED ($(tail -1 "$RUN/verify.log"))"

# stats FROM TO: mean RSS MiB, fds, goroutines of the samples with FROM <= t < TO.
stats() { awk -v a="$1" -v b="$2" '$1 != "end" && $1 >= a && $1 < b { r += $2; f += $3; g += $4; n++ }
	END { if (n) printf "%.1f %.1f %.1f\n", r / n / 1024, f / n, g / n; else print "0 0 0" }' "$RUN/samples"; }
read -r r1 f1 g1 < <(stats 0 60)
read -r r2 f2 g2 < <(stats 60 120)
read -r rl fl gl < <(stats $((DURATION - 60 + 1)) $((DURATION + 1)))
read -r rmax fmax gmax < <(awk '{ if ($2 > r) r = $2; if ($3 > f) f = $3; if ($4 > g) g = $4 } END { printf "%.1f %d %d\n", r / 1024, f, g }' "$RUN/samples")
cold=$(cat "$RUN"/cold.*.log | awk '{ n[$1 " " $2]++ } END { for (k in n) printf "%s %d, ", k, n[k] }' | sort)
cold_stale=$(cat "$RUN"/cold.*.log | grep -c ' STALE$' || true)

echo "soak: ${DURATION}s, $(nproc) cores, load $load before, $(cut -d' ' -f1-3 /proc/loadavg) after; faults from 120 s to $((DURATION - 60)) s,"
echo "${PHASE}s each then ${PHASE}s clean: $(cut -d' ' -f2- "$RUN/phases" | paste -sd',' | sed 's/,/, /g')"
echo "load: wrk -t1 -c$CONNS (${MIX_DELAY_MS} ms pacing) over $WARM warm projects, $REVALIDATE_PERCENT% of pages max-age=0;"
echo "  proxy --index-ttl $INDEX_TTL --memory $MEMORY;"
echo "  $COLD_CLIENTS cold clients over $COLD_PROJECTS never-asked projects"
printf '%-22s %10s %10s %10s %10s %10s\n' "pypi-proxy" "minute 1" "minute 2" "last min" "max" "last/2nd"
printf '%-22s %10s %10s %10s %10s %10s\n' "RSS MiB" "$r1" "$r2" "$rl" "$rmax" "$(ratio "$rl" "$r2")x"
printf '%-22s %10s %10s %10s %10s %10s\n' "open descriptors" "$f1" "$f2" "$fl" "$fmax" "$(ratio "$fl" "$f2")x"
printf '%-22s %10s %10s %10s %10s %10s\n' "goroutines" "$g1" "$g2" "$gl" "$gmax" "$(ratio "$gl" "$g2")x"
echo "after the load (faults cleared): $(cut -d' ' -f2- "$RUN/final" | awk '{ printf "RSS %.1f MiB, %d descriptors, %d goroutines", $1 / 1024, $2, $3 }')"
echo "wrk: $w_rps req/s, p50 $w_p50 ms, p99 $w_p99 ms, max $w_max ms, errors $w_err, 404 $w_404, 5xx $w_5xx, STALE $w_stale"
echo "cold clients: $cold STALE:$cold_stale"
echo "proxy metrics: $served responses, 404: $s404, 5xx: $s5xx (500: $s500), stale pages served: $stale; verify of the tree: $verify"

fail=""
awk -v l="$rl" -v b="$r2" -v t="$RSS_TOL" 'BEGIN { exit !(l > b * (1 + t / 100)) }' && fail+=" RSS grew more than $RSS_TOL%;"
awk -v l="$fl" -v b="$f2" -v t="$FD_TOL" 'BEGIN { exit !(l > b + t) }' && fail+=" descriptors grew more than $FD_TOL;"
awk -v l="$gl" -v b="$g2" -v t="$GOROUTINE_TOL" 'BEGIN { exit !(l > b + t) }' && fail+=" goroutines grew more than $GOROUTINE_TOL;"
[ "$s404" = 0 ] || fail+=" $s404 responses were 404;"
[ "$s500" = 0 ] || fail+=" $s500 responses were 500;"
[ "$verify" = ok ] || fail+=" verify found bad files;"
[ -z "$fail" ] || { echo "FAIL:$fail" >&2; exit 1; }
