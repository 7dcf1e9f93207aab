"""tools/bench/ci.py's figures: /proc/stat read as core-seconds, the per-test timeline its plugin
writes (run here on a pytest session of its own), and what is summed from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.bench import ci

STAT = "cpu  1000 50 250 8000 100 10 20 5 0 0\ncpu0 500 25 125 4000 50 5 10 2 0 0\n"


def test_proc_stat_is_read_as_busy_and_idle_core_seconds() -> None:
    sample = ci.parse_proc_stat(STAT, at=7.0)
    assert sample.at == 7.0
    assert sample.busy == pytest.approx((1000 + 50 + 250 + 10 + 20 + 5) / ci.TICK)
    assert sample.idle == pytest.approx((8000 + 100) / ci.TICK)


def test_busy_between_takes_the_samples_nearest_the_window() -> None:
    readings = [(0, 10, 10), (1, 11.5, 10.5), (2, 13, 11), (3, 15, 11)]
    samples = [ci.CpuSample(at, busy, idle) for at, busy, idle in readings]
    assert ci.busy_between(samples, 0.9, 3.2) == (3.5, 4.0)  # from the sample at 1 to the one at 3


def test_the_plugin_writes_each_test_and_the_spans_sum_by_process_and_module(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_one.py").write_text("import time\n\ndef test_a():\n    time.sleep(0.2)\n\ndef test_b():\n    pass\n")
    (tests / "test_two.py").write_text("def test_c():\n    pass\n")
    out = tmp_path / "timeline"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ci.PLUGIN.parent), "CI_TIMELINE_DIR": str(out), "PYTEST_ADDOPTS": ""}
    env.pop("PYTEST_XDIST_WORKER", None)  # this test may itself run under xdist
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "ci_timeline", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    spans = ci.read_timeline(out)
    assert [(s.process, s.nodeid) for s in spans] == [
        ("main", "tests/test_one.py::test_a"),
        ("main", "tests/test_one.py::test_b"),
        ("main", "tests/test_two.py::test_c"),
    ]
    modules = ci.by_module(spans)
    assert list(modules) == ["tests/test_one.py", "tests/test_two.py"]  # longest first
    assert modules["tests/test_one.py"] >= 0.2 > modules["tests/test_two.py"]
    ((process, (first, last, inside)),) = ci.by_process(spans).items()
    assert process == "main"
    assert first == spans[0].start
    assert last == spans[-1].end
    assert 0.2 <= inside <= last - first


def test_the_pytest_summary_is_the_last_one_in_the_log() -> None:
    log = "==== 3 passed in 1.00s ====\nlint\n======= 1439 passed in 261.98s (0:04:21) =======\nAll checks passed!\n"
    assert ci.pytest_summary(log) == "1439 passed in 261.98s (0:04:21)"
    assert ci.pytest_summary("nothing") == "no pytest summary in the log"
