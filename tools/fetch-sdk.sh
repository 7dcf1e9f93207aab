#!/usr/bin/env bash
# Fetch the real Python Workers SDK (PyPI `workers-runtime-sdk`) into .cache/sdk/, pinned by
# version and sha256, and print the wheel's path. From compatibility date 2026-04-21 the runtime no
# longer ships the `workers` package, so tools/build.py vendors this wheel into every bundle's
# python_modules/ (as pywrangler does), and the lane loads it from there.
set -euo pipefail

VERSION="1.9.5"
SHA256="f2b912660a3ab60d2a24920106422f9eaf4cd7a794e42b022237ad2444287fef"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${SDK_CACHE:-$ROOT/.cache/sdk}"
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
