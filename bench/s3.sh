#!/usr/bin/env bash
# S3 storage (issue 14): warm file throughput, in one run, of
#   - pypi-proxy serve --storage s3://... streaming from MinIO on loopback,
#   - pypi-proxy serve --storage s3://... --s3-local-copies (hits from the replica's copy, sendfile, after a HEAD),
#   - pypi-proxy serve --cache-dir on local disk (sendfile),
#   - MinIO serving the same object directly (the presigned URL serve --s3-redirect hands out);
# 1 MiB files (wrk -t2 -c8) and 100 MiB files (wrk -t1 -c2). Goal: S3 via the proxy >= 0.9x MinIO direct.
#
#   bench/s3.sh     # DURATION=10s PYPI_PROXY_MINIO=/var/cache/pypi-proxy-ci/bin/minio
source "$(dirname "$0")/lib.sh"
need wrk curl jq
DURATION=${DURATION:-10s}
MINIO=${PYPI_PROXY_MINIO:-/var/cache/pypi-proxy-ci/bin/minio}
[ -x "$MINIO" ] || { echo "no MinIO at $MINIO (scripts/minio.sh builds it)" >&2; exit 1; }

build
start_fake fast -no-demo -big-file 1MiB -big-file 100MiB

port=$(free_port)
export AWS_ACCESS_KEY_ID=pypi-proxy-bench AWS_SECRET_ACCESS_KEY=pypi-proxy-bench-secret AWS_REGION=us-east-1
MINIO_ROOT_USER=$AWS_ACCESS_KEY_ID MINIO_ROOT_PASSWORD=$AWS_SECRET_ACCESS_KEY MINIO_BROWSER=off \
	MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off \
	"$MINIO" server --quiet --address "127.0.0.1:$port" "$RUN/minio" >"$RUN/minio.log" 2>&1 &
PIDS+=($!)
ENDPOINT=http://127.0.0.1:$port
for i in $(seq 600); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/minio/health/cluster")" = 200 ] && break
	sleep 0.1
done
S3=(--storage s3://bench/tree --s3-endpoint "$ENDPOINT")

start_proxy "$RUN/s3-local" "$FAKE_INDEX" --log-level warn "${S3[@]}"
S3PROXY=$PROXY
start_proxy "$RUN/redirect-local" "$FAKE_INDEX" --log-level warn "${S3[@]}" --s3-redirect
REDIRECT=$PROXY
start_proxy "$RUN/copies-local" "$FAKE_INDEX" --log-level warn "${S3[@]}" --s3-local-copies 1GiB
COPIES=$PROXY
start_proxy "$RUN/disk" "$FAKE_INDEX" --log-level warn
DISK=$PROXY

declare -A via_s3 via_disk via_minio via_copies
for p in big-1048576 big-104857600; do
	u=$(file_url "$S3PROXY/simple/" "$p")
	path=${u#"$S3PROXY"}
	curl -sf -o "$RUN/a" "$u" # fills the bucket
	curl -sf -o /dev/null "$DISK/simple/$p/"
	curl -sf -o "$RUN/b" "$DISK$path" # fills the disk cache
	curl -sf -o /dev/null "$REDIRECT/simple/$p/"
	via_s3[$p]=$u
	curl -sf -o /dev/null "$COPIES/simple/$p/"
	curl -sf -o /dev/null "$COPIES$path" # read from the bucket once: makes the copy
	via_copies[$p]=$COPIES$path
	via_disk[$p]=$DISK$path
	via_minio[$p]=$(curl -sf -o /dev/null -w '%{redirect_url}' "$REDIRECT$path")
	case ${via_minio[$p]} in "$ENDPOINT"/*) ;; *) echo "$p: no presigned URL from --s3-redirect" >&2; exit 1 ;; esac
	curl -sf -o "$RUN/c" "${via_minio[$p]}"
	curl -sf -o "$RUN/d" "${via_copies[$p]}"
	cmp -s "$RUN/a" "$RUN/b" && cmp -s "$RUN/a" "$RUN/c" && cmp -s "$RUN/a" "$RUN/d" || { echo "$p: bytes differ" >&2; exit 1; }
	[ -n "$(find "$RUN/copies-local/.s3-copies" -type f -size +1000k -name '*.tar.gz' | head -1)" ] || { echo "$p: no local copy made" >&2; exit 1; }
done
rm -f "$RUN/a" "$RUN/b" "$RUN/c" "$RUN/d"

read -r _ m1 _ < <(wrk_run "${via_minio[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ s1 _ < <(wrk_run "${via_s3[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ c1 _ < <(wrk_run "${via_copies[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ d1 _ < <(wrk_run "${via_disk[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ m100 _ < <(wrk_run "${via_minio[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)
read -r _ s100 _ < <(wrk_run "${via_s3[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)
read -r _ c100 _ < <(wrk_run "${via_copies[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)
read -r _ d100 _ < <(wrk_run "${via_disk[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)

printf '%-8s %13s %13s %13s %13s %10s %12s %10s\n' file "MinIO direct" "proxy on S3" "S3+copies" "proxy disk" "S3/MinIO" "copies/MinIO" "disk/MinIO"
for row in "1MiB $m1 $s1 $c1 $d1" "100MiB $m100 $s100 $c100 $d100"; do
	read -r name m s c d <<<"$row"
	printf '%-8s %8s MB/s %8s MB/s %8s MB/s %8s MB/s %9sx %11sx %9sx\n' "$name" "$m" "$s" "$c" "$d" \
		"$(ratio "$s" "$m")" "$(ratio "$c" "$m")" "$(ratio "$d" "$m")"
done
