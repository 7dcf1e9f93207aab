"""The lane's compatibility-flag table is the one the workerd `wrangler deploy` targets was built
with (the pinned wrangler's own workerd, newer than Miniflare's), the lane turns flags on from the
date as workerd does, and a date or flag that selects a Python the lane does not run is refused."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.lane.harness import refused_start, stage_probe
from tools.lane import gen_compat_flags

ROOT = Path(__file__).resolve().parents[2]
WORKERD = gen_compat_flags.WORKERD  # wrangler's own workerd, the version `wrangler deploy` targets
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


def test_the_table_is_read_from_the_workerd_wrangler_deploys_with() -> None:
    """The table is exactly the compiled CompatibilityFlags schema in wrangler's workerd binary (not
    Miniflare's older one, which lacks python_workers_314)."""
    assert json.loads((ROOT / "package.json").read_text())["devDependencies"]["wrangler"]
    assert gen_compat_flags.parse_binary(WORKERD.read_bytes()) == TABLE
    version = gen_compat_flags.workerd_version()
    miniflare = json.loads((ROOT / "node_modules/@cloudflare/workerd-linux-64/package.json").read_text())["version"]
    assert version >= miniflare, (version, miniflare)


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
    # Python 3.14 (Pyodide 314) from 2026-09-08, as the brief says of wrangler's workerd.
    assert by_flag["python_workers_314"]["impliedBy"] == [{"fields": ["pythonWorkers"], "date": "2026-09-08"}]
    releases = [e["field"] for e in TABLE if e.get("pythonRelease")]
    assert {"pythonWorkers", "pythonWorkers20250116", "pythonWorkers314"} <= set(releases)


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


def release_for(date: str, flags: list[str]) -> dict | str:
    script = (
        "import { pythonRelease, PYTHON_RELEASES } from './tools/lane/compat.mjs';"
        f"try {{ console.log(JSON.stringify(pythonRelease({json.dumps(date)}, {json.dumps(flags)}))); }}"
        "catch (e) { console.log(JSON.stringify(e.message)); }"
    )
    out = subprocess.run(
        [str(ROOT / "tools" / "node"), "--input-type=module", "-e", script],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    result: dict | str = json.loads(out)
    return result


@pytest.mark.parametrize(
    ("date", "flags", "field", "python"),
    [
        ("2026-07-30", ["python_workers"], "pythonWorkers20250116", "3.13"),
        ("2026-09-07", ["python_workers"], "pythonWorkers20250116", "3.13"),
        ("2026-09-08", ["python_workers"], "pythonWorkers314", "3.14"),
        ("2026-09-08", ["python_workers", "no_python_workers_314"], "pythonWorkers20250116", "3.13"),
        ("2026-07-30", ["python_workers", "python_workers_20260610"], "pythonWorkers20260610", "3.14"),
        ("2025-01-01", ["python_workers"], "pythonWorkers", "3.12"),
    ],
)
def test_the_python_release_is_picked_as_workerd_picks_it(date: str, flags: list[str], field: str, python: str) -> None:
    """workerd's getPythonSnapshotRelease: the enabled release field with the highest index."""
    release = release_for(date, flags)
    assert isinstance(release, dict), release
    assert (release["field"], release["python"]) == (field, python)


def test_every_release_field_of_the_table_is_known_to_the_lane() -> None:
    """A new pin that adds a Python release cannot go unnoticed: the lane must know what it runs."""
    script = "import { PYTHON_RELEASES } from './tools/lane/compat.mjs'; console.log(JSON.stringify(PYTHON_RELEASES));"
    out = subprocess.run(
        [str(ROOT / "tools" / "node"), "--input-type=module", "-e", script],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    known = json.loads(out)
    assert {e["field"] for e in TABLE if e.get("pythonRelease")} <= set(known)


@pytest.mark.parametrize(
    ("date", "flags"),
    [("2026-09-08", ["python_workers"]), ("2026-07-30", ["python_workers", "python_workers_20260610"])],
    ids=["date-implies-3.14", "flag-opts-into-3.14"],
)
def test_a_worker_whose_python_the_lane_does_not_run_is_refused(tmp_path: Path, date: str, flags: list[str]) -> None:
    probe = stage_probe(tmp_path / "build")
    config = probe / "wrangler.toml"
    text = re.sub(r'compatibility_date = "[^"]+"', f'compatibility_date = "{date}"', config.read_text())
    text = re.sub(r"compatibility_flags = \[[^\]]*\]", f"compatibility_flags = {json.dumps(flags)}", text)
    config.write_text(text)
    stderr = refused_start(tmp_path / "build", tmp_path / "state")
    assert f"probe: compatibility_date {date} runs Python 3.14" in stderr
    assert "the lane runs Python 3.13" in stderr
    assert "Moving to Python 3.14" in stderr
