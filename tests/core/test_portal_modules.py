"""The portal's JavaScript stays in small parts (issue 25): no function over 80 lines, as counted by
tools/portal_functions.mjs (acorn's parse of every module in workers/core/public)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "workers" / "core" / "public"
LIMIT = 80


def functions(folder: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(ROOT / "tools" / "node"), str(ROOT / "tools" / "portal_functions.mjs"), str(folder)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def test_no_function_of_the_portal_is_over_80_lines() -> None:
    found = functions(PUBLIC)
    assert len({f["file"] for f in found}) >= 40  # every module was read
    over = [f"{f['file']}:{f['line']} {f['name']} ({f['lines']} lines)" for f in found if f["lines"] > LIMIT]
    assert over == []


def test_the_count_sees_every_kind_of_function_longest_first(tmp_path: Path) -> None:
    body = "\n".join(f"  total += {i};" for i in range(80))
    (tmp_path / "a.js").write_text(
        f"export function long() {{\n  let total = 0;\n{body}\n  return total;\n}}\n"
        "const arrow = () => 1;\nconst table = { method() { return 2; } };\nclass Kind { run() { return 3; } }\n"
    )
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "b.js").write_text("export default function () {}\n")
    found = functions(tmp_path)
    assert found[0] == {"file": "a.js", "name": "long", "line": 1, "lines": 84}  # over the limit: seen
    assert {(f["file"], f["name"]) for f in found} == {
        ("a.js", "long"), ("a.js", "arrow"), ("a.js", "method"), ("a.js", "run"), ("nested/b.js", "(anonymous)"),
    }  # fmt: skip
