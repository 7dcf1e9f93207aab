"""Start-up rules, as Cloudflare's dedicated snapshot applies them at deploy: the main module is
imported before serving, with no randomness, clock or I/O in global scope and at most 1 s of CPU."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import loopback
from tests.lane.harness import Lane, own_lane, refused_start, stage_probe
from tools.build import stage

pytestmark = pytest.mark.lane

GLOBAL_SCOPE = "Disallowed operation called within global scope"
UNSERIALIZABLE = "Can't serialize top-level variable."  # workerd src/pyodide/internal/snapshot.ts


# A probe per rule, each breaking it in global scope: (top level, workerd's refusal).
BROKEN = {
    "random": ("import random\nSEED = random.random()", GLOBAL_SCOPE),
    "urandom": ("import os\nKEY = os.urandom(16)", "Cannot get entropy outside of request context"),
    "clock": ("import time\nSTARTED = time.time()", "the clock is read in global scope"),
    "fetch": ("import js\nPENDING = js.fetch('http://127.0.0.1:9/')", GLOBAL_SCOPE),
    "over-1s": ("TOTAL = sum(i * i for i in range(15_000_000))", "Python Worker startup exceeded CPU limit"),
    "js-object": ("import js\n_probe = js.Object.new()", UNSERIALIZABLE),
    "to-js": ("from pyodide.ffi import to_js\nTABLE = to_js({'a': 1})", UNSERIALIZABLE),
}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One lane start over every broken probe (probe-random, …) and a real bundle holding a JS object:
    the lane loads them all and logs each refusal under its worker's name, so one start (not eight,
    about 1 s of CPU each before any worker loads) shows every rule. Each worker's part of stderr."""
    out = tmp_path_factory.mktemp("startup")
    for case, (top_level, _) in BROKEN.items():
        probe = stage_probe(out / "build", name=f"probe-{case}")
        toml = probe / "wrangler.toml"
        toml.write_text(toml.read_text().replace('"smartpages-lane-probe"', f'"smartpages-lane-probe-{case}"'))
        entry = probe / "src" / "entry.py"
        entry.write_text(entry.read_text() + "\n" + top_level + "\n")
    # Cloudflare's upload snapshot (`python_dedicated_snapshot`, on at our date) refuses a JS object
    # held in global scope that did not come through the `js` import proxy, in a real bundle too.
    bundle = stage("domain", out / "build")  # its own copy: tests/deploy may be staging build/ meanwhile
    entry = bundle / "src" / "entry.py"
    entry.write_text(entry.read_text() + "\nimport js\n\n_probe = js.Object.new()\n")
    stderr = refused_start(out / "build", out / "state")
    workers = ["domain", *(f"probe-{case}" for case in BROKEN)]
    assert f"failed to start: {len(workers)} worker(s) failed to start: {', '.join(sorted(workers))}" in stderr
    parts = re.split(r"^lane: (\S+) failed to start: ", stderr, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("case", BROKEN)
def test_a_worker_breaking_a_start_up_rule_is_refused(refusals: dict[str, str], case: str) -> None:
    assert BROKEN[case][1] in refusals[f"probe-{case}"]


def test_import_time_is_reported_on_cpu(lane: Lane) -> None:
    timings = loopback.get(f"{lane.admin}/timings", timeout=30).json()
    for worker in ("core", "customer", "billing", "mailer", "domain"):
        assert 0 < timings[worker]["importCpuMs"] <= 1000, (worker, timings[worker])


def test_a_real_bundle_holding_a_js_object_at_top_level_is_refused_as_the_upload_would(
    refusals: dict[str, str],
) -> None:
    assert f"domain: {UNSERIALIZABLE}" in refusals["domain"]
    assert "Constructor name: Object" in refusals["domain"]  # workerd's description of the value


def test_js_values_reached_through_the_import_proxy_may_be_held_at_top_level(tmp_path: Path) -> None:
    """What the snapshot records as a module path (`js.Object`, `js.Response.json`, a module imported
    from JavaScript) is serializable, so holding it at top level starts."""
    probe = stage_probe(tmp_path / "build")
    entry = probe / "src" / "entry.py"
    held = "import js\n_OBJECT = js.Object\n_JSON_RESPONSE = js.Response.json\n_JSON = js.JSON\n"
    entry.write_text(entry.read_text() + "\n" + held)
    with own_lane(tmp_path / "build", tmp_path / "state") as (_, urls, _log):
        assert loopback.get(f"{urls['admin']}/fetch/probe/", timeout=60).status_code < 500
