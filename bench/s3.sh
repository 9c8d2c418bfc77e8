#!/usr/bin/env bash
# S3 storage (issue 14): warm file throughput, in one run, of
#   - pypi-proxy serve --storage s3://... streaming from MinIO on loopback,
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
start_proxy "$RUN/disk" "$FAKE_INDEX" --log-level warn
DISK=$PROXY

declare -A via_s3 via_disk via_minio
for p in big-1048576 big-104857600; do
	u=$(file_url "$S3PROXY/simple/" "$p")
	path=${u#"$S3PROXY"}
	curl -sf -o "$RUN/a" "$u" # fills the bucket
	curl -sf -o /dev/null "$DISK/simple/$p/"
	curl -sf -o "$RUN/b" "$DISK$path" # fills the disk cache
	curl -sf -o /dev/null "$REDIRECT/simple/$p/"
	via_s3[$p]=$u
	via_disk[$p]=$DISK$path
	via_minio[$p]=$(curl -sf -o /dev/null -w '%{redirect_url}' "$REDIRECT$path")
	case ${via_minio[$p]} in "$ENDPOINT"/*) ;; *) echo "$p: no presigned URL from --s3-redirect" >&2; exit 1 ;; esac
	curl -sf -o "$RUN/c" "${via_minio[$p]}"
	cmp -s "$RUN/a" "$RUN/b" && cmp -s "$RUN/a" "$RUN/c" || { echo "$p: bytes differ" >&2; exit 1; }
done
rm -f "$RUN/a" "$RUN/b" "$RUN/c"

read -r _ m1 _ < <(wrk_run "${via_minio[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ s1 _ < <(wrk_run "${via_s3[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ d1 _ < <(wrk_run "${via_disk[big-1048576]}" -t2 -c8 -d"$DURATION")
read -r _ m100 _ < <(wrk_run "${via_minio[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)
read -r _ s100 _ < <(wrk_run "${via_s3[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)
read -r _ d100 _ < <(wrk_run "${via_disk[big-104857600]}" -t1 -c2 -d"$DURATION" --timeout 30s)

printf '%-10s %14s %14s %14s %16s %16s\n' file "MinIO direct" "proxy on S3" "proxy on disk" "S3/MinIO" "disk/MinIO"
printf '%-10s %11s MB/s %9s MB/s %9s MB/s %15sx %15sx\n' 1MiB "$m1" "$s1" "$d1" "$(ratio "$s1" "$m1")" "$(ratio "$d1" "$m1")"
printf '%-10s %11s MB/s %9s MB/s %9s MB/s %15sx %15sx\n' 100MiB "$m100" "$s100" "$d100" "$(ratio "$s100" "$m100")" "$(ratio "$d100" "$m100")"
