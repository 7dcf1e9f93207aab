#!/usr/bin/env bash
# Fetch the real Python Workers SDK (PyPI `workers-runtime-sdk`) into .cache/lane/, pinned by
# version and sha256. The lane loads this wheel into every Pyodide instance; it is the same
# `workers` package that Cloudflare's runtime provides to deployed Python Workers.
set -euo pipefail

VERSION="1.9.5"
SHA256="f2b912660a3ab60d2a24920106422f9eaf4cd7a794e42b022237ad2444287fef"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${LANE_CACHE:-$ROOT/.cache/lane}"
WHEEL="$DEST/workers_runtime_sdk-$VERSION-py3-none-any.whl"

verify() { [ -f "$WHEEL" ] && echo "$SHA256  $WHEEL" | sha256sum --check --status; }

if verify; then
  echo "$WHEEL"
  exit 0
fi

mkdir -p "$DEST"
REQ="$(mktemp)"
trap 'rm -f "$REQ"' EXIT
# --require-hashes makes pip itself refuse anything but the pinned file.
echo "workers-runtime-sdk==$VERSION --hash=sha256:$SHA256" >"$REQ"
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
  -r "$REQ" -d "$DEST" >&2

verify || { echo "fetch-sdk: sha256 mismatch for $WHEEL" >&2; exit 1; }
echo "$WHEEL"
