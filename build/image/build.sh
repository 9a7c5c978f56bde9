#!/bin/sh
# Builds the otelcol-node image from the static binary with Dockerfile beside
# this script. The daemon is docker's usual one, or the one DOCKER_HOST names
# (the e2e tests pass their private daemon).
#   build/image/build.sh BINARY IMAGE
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 BINARY IMAGE" >&2
	exit 2
fi
bin=$1
image=$2
here=$(cd "$(dirname "$0")" && pwd)
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
if [ ! -x "$bin" ]; then
	echo "$0: $bin is missing: run make build" >&2
	exit 1
fi
if [ ! -r "$ca" ]; then
	echo "$0: CA bundle $ca is missing (Debian package ca-certificates, or set CA_BUNDLE)" >&2
	exit 1
fi
# A context of three files, not the repository.
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$here/Dockerfile" "$ctx/Dockerfile"
cp "$bin" "$ctx/otelcol-node"
cp "$ca" "$ctx/ca-certificates.crt"
# The classic builder: Debian's docker.io comes without buildx, and a FROM
# scratch image needs nothing BuildKit adds.
DOCKER_BUILDKIT=0 ${DOCKER:-docker} build --quiet --tag "$image" "$ctx"
