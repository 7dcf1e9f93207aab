"""Prints what the portal ships: each static file's size raw and gzipped, its lines, for a JavaScript
module its longest function (tools/portal_functions.mjs), and the JavaScript total.

python3 -m tools.bench.portal_size
"""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "workers" / "core" / "public"


def longest_functions() -> dict[str, str]:
    """Each JavaScript module's longest function, as `N (name)`."""
    run = [str(ROOT / "tools" / "node"), str(ROOT / "tools" / "portal_functions.mjs"), str(PUBLIC)]
    found = json.loads(subprocess.run(run, capture_output=True, text=True, check=True).stdout)
    longest: dict[str, str] = {}
    for function in found:  # longest first
        longest.setdefault(function["file"], f"{function['lines']} ({function['name']})")
    return longest


def main() -> None:
    total_js = total_js_gz = 0
    longest = longest_functions()
    for path in sorted(p for p in PUBLIC.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        packed = len(gzip.compress(raw, 9))
        name, lines = str(path.relative_to(PUBLIC)), raw.count(b"\n")
        function = f"  longest function {longest[name]}" if name in longest else ""
        print(f"{name:22} {len(raw):7,} B  gzip {packed:6,} B  {lines:5} lines{function}")
        if path.suffix == ".js":
            total_js, total_js_gz = total_js + len(raw), total_js_gz + packed
    print(f"{'JavaScript':22} {total_js:7,} B  gzip {total_js_gz:6,} B  (no framework, no build step, no minifier)")


if __name__ == "__main__":
    main()
