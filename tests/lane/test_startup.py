"""Start-up rules, as Cloudflare's dedicated snapshot applies them at deploy: the main module is
imported before serving, with no randomness, clock or I/O in global scope and at most 1 s of CPU."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.lane.harness import Lane, refused_start, stage_probe

pytestmark = pytest.mark.lane

GLOBAL_SCOPE = "Disallowed operation called within global scope"


@pytest.mark.parametrize(
    ("top_level", "message"),
    [
        ("import random\nSEED = random.random()", GLOBAL_SCOPE),
        ("import os\nKEY = os.urandom(16)", "Cannot get entropy outside of request context"),
        ("import time\nSTARTED = time.time()", "the clock is read in global scope"),
        ("import js\nPENDING = js.fetch('http://127.0.0.1:9/')", GLOBAL_SCOPE),
        ("TOTAL = sum(i * i for i in range(15_000_000))", "Python Worker startup exceeded CPU limit"),
    ],
    ids=["random", "urandom", "clock", "fetch", "over-1s"],
)
def test_a_worker_breaking_a_start_up_rule_is_refused(tmp_path: Path, top_level: str, message: str) -> None:
    probe = stage_probe(tmp_path / "build")
    entry = probe / "src" / "entry.py"
    entry.write_text(entry.read_text() + "\n" + top_level + "\n")
    stderr = refused_start(tmp_path / "build", tmp_path / "state")
    assert message in stderr


def test_import_time_is_reported_on_cpu(lane: Lane) -> None:
    timings = httpx.get(f"{lane.admin}/timings", timeout=30).json()
    for worker in ("core", "customer", "billing", "mailer", "domain"):
        assert 0 < timings[worker]["importCpuMs"] <= 1000, (worker, timings[worker])
