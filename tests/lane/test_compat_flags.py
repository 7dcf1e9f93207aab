"""The lane's compatibility-flag table is the one the pinned workerd was built with, and the lane
turns flags on from the date as workerd does."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKERD = ROOT / "node_modules" / "@cloudflare" / "workerd-linux-64" / "bin" / "workerd"
pytestmark = pytest.mark.lane

TABLE = json.loads((ROOT / "tools" / "lane" / "compat-flags.json").read_text())

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@cache
def binary_strings() -> list[str]:
    """What `strings` prints for the pinned workerd: its compiled capnp schema keeps each field's
    name followed by its annotation values (enable flag, disable flag, dates, implying fields)."""
    data = WORKERD.read_bytes()
    return [m.decode() for m in re.findall(rb"[\x20-\x7e]{3,}", data)]


def annotation_strings(entry: dict) -> set[str]:
    values = {entry.get("enable"), entry.get("disable"), entry.get("date")}
    for implied in entry.get("impliedBy", []):
        values |= {implied["date"], *implied["fields"]}
    return {v for v in values if v}


def test_the_flag_table_matches_the_pinned_workerd_binary() -> None:
    lines = binary_strings()
    fields = {e["field"]: e for e in TABLE}
    found: dict[str, int] = {}
    for i, line in enumerate(lines):  # a field's name, then its enable flag a line or two later
        entry = fields.get(line)
        if entry and line not in found and (not entry.get("enable") or entry["enable"] in lines[i + 1 : i + 4]):
            found[line] = i
    assert set(found) == set(fields)
    starts = sorted(found.values())
    for field, here in found.items():
        after = next((s for s in starts if s > here), here + 8)
        window = set(lines[here + 1 : min(after, here + 8)])
        flags_and_dates = {s for s in window if (SNAKE.match(s) and "_" in s) or DATE.match(s)}
        expected = annotation_strings(fields[field])
        assert expected <= window, (field, sorted(window))
        # Nothing in the binary that the table lacks (a flag, a disable flag, a date).
        assert flags_and_dates <= expected, (field, sorted(window))


def test_the_table_knows_the_flags_the_brief_names() -> None:
    by_flag = {e.get("enable"): e for e in TABLE}
    assert by_flag["enable_python_external_sdk"]["date"] == "2026-04-21"
    assert by_flag["python_request_headers_preserve_commas"]["date"] <= "2026-07-30"
    assert {"fields": ["pythonWorkers"], "date": "2025-12-16"} in by_flag["python_check_rng_state"]["impliedBy"]


def flags_for(date: str, flags: list[str]) -> dict[str, bool] | str:
    script = (
        "import { compatFlags } from './tools/lane/compat.mjs';"
        f"try {{ console.log(JSON.stringify(compatFlags({json.dumps(date)}, {json.dumps(flags)}))); }}"
        "catch (e) { console.log(JSON.stringify(e.message)); }"
    )
    out = subprocess.run(
        [str(ROOT / "tools" / "node"), "--input-type=module", "-e", script],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    result: dict[str, bool] | str = json.loads(out)
    return result


def test_flags_come_from_the_date_and_the_explicit_list() -> None:
    on = flags_for("2026-07-30", ["python_workers"])
    assert isinstance(on, dict)
    for flag in ("python_workers", "enable_python_external_sdk", "python_request_headers_preserve_commas",
                 "python_check_rng_state", "python_dedicated_snapshot", "python_process_pth_files"):  # fmt: skip
        assert on[flag] is True, flag
    assert on["experimental"] is False
    before = flags_for("2026-04-20", ["python_workers"])
    assert isinstance(before, dict)
    assert before["enable_python_external_sdk"] is False
    disabled = flags_for("2026-07-30", ["python_workers", "disable_python_external_sdk"])
    assert isinstance(disabled, dict)
    assert disabled["enable_python_external_sdk"] is False


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["python_workers", "no_such_flag"], "No such compatibility flag: no_such_flag"),
        (["python_workers", "enable_python_external_sdk"], "became the default as of 2026-04-21"),
        (["python_workers", "python_process_pth_files", "disable_python_process_pth_files"], "mutually contradictory"),
    ],
)
def test_flag_lists_workerd_rejects_are_rejected(flags: list[str], message: str) -> None:
    error = flags_for("2026-07-30", flags)
    assert isinstance(error, str)
    assert message in error
