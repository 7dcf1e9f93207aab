"""Prints what the portal ships: each static file's size raw and gzipped, and the JavaScript total.

python3 -m tools.bench.portal_size
"""

from __future__ import annotations

import gzip
from pathlib import Path

PUBLIC = Path(__file__).resolve().parents[2] / "workers" / "core" / "public"


def main() -> None:
    total_js = total_js_gz = 0
    for path in sorted(p for p in PUBLIC.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        packed = len(gzip.compress(raw, 9))
        name, lines = str(path.relative_to(PUBLIC)), raw.count(b"\n")
        print(f"{name:22} {len(raw):7,} B  gzip {packed:6,} B  {lines:5} lines")
        if path.suffix == ".js":
            total_js, total_js_gz = total_js + len(raw), total_js_gz + packed
    print(f"{'JavaScript':22} {total_js:7,} B  gzip {total_js_gz:6,} B  (no framework, no build step, no minifier)")


if __name__ == "__main__":
    main()
