#!/usr/bin/env bash
# Build the MinIO server the S3 tests run against, once per machine, into a
# directory outside the repository that later runs reuse (about 5 minutes
# on 2 cores). MinIO is AGPL: it is only built and run as a test peer; go
# install into its own GOBIN leaves our go.mod alone.
#
# PYPI_PROXY_MINIO overrides where the binary is. A binary already there
# is kept when it was built from the pinned version (go version -m tells),
# or whatever its version when PYPI_PROXY_MINIO names it. Prints its path.
set -euo pipefail

# The pinned server: MinIO's newest commit the Go module proxy serves
# (2026-02-12). Its RELEASE.* tags are not semantic versions, which the
# proxy does not resolve, so the pin is a pseudo-version.
version=v0.0.0-20260212201848-7aac2a2c5b7c
bin=${PYPI_PROXY_MINIO:-/var/cache/pypi-proxy-ci/bin/minio}

built_version() { go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3 }'; }

if [ -x "$bin" ] && { [ -n "${PYPI_PROXY_MINIO:-}" ] || [ "$(built_version "$bin")" = "$version" ]; }; then
	echo "$bin"
	exit 0
fi
echo "building MinIO $version into $(dirname "$bin") (once per machine, about 5 minutes)" >&2
mkdir -p "$(dirname "$bin")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Build outside the repository, so our go.mod is not consulted.
(cd "$tmp" && GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$version")
mv "$tmp/minio" "$bin"
echo "$bin"
