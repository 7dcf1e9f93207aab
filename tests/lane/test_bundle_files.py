"""The lane loads only what Cloudflare would: the `workers` SDK comes from the bundle's
python_modules/ alone, and site-packages holds workerd's stub that refuses it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import loopback
from tests.lane.harness import ROOT, Lane, refused_start, stage_probe

pytestmark = pytest.mark.lane

WORKERD = ROOT / "node_modules" / "@cloudflare" / "workerd-linux-64" / "bin" / "workerd"
STUB_NOTE = "You need to update to workers-py >= 1.90 or to pass disable_python_external_sdk"


def test_the_lane_stub_is_the_one_in_the_pinned_workerd() -> None:
    stub = (ROOT / "tools" / "lane" / "files.mjs").read_text()
    binary = WORKERD.read_bytes()
    for line in re.findall(r"^  `(.*)`,$", stub, re.MULTILINE):
        assert line.encode() in binary, line
    assert STUB_NOTE in stub


def test_a_bundle_without_python_modules_workers_fails_with_workerds_message(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build", sdk=False)
    stderr = refused_start(tmp_path / "build", tmp_path / "state")
    assert "ModuleNotFoundError: No module named 'workers'" in stderr
    assert STUB_NOTE in stderr


def test_a_bundle_with_python_modules_workers_runs_it_from_there(lane: Lane) -> None:
    assert lane.worker("probe", "/forbidden").status_code == 200
    report = loopback.get(f"{lane.admin}/imports", timeout=30).json()["probe"]
    assert "entry" in report["vendored_imports"]["workers"]
    files = loopback.get(f"{lane.admin}/files", timeout=30).json()["probe"]
    assert "python_modules/workers/__init__.py" in files


def test_turning_the_external_sdk_off_is_refused_the_lane_has_no_built_in_sdk(tmp_path: Path) -> None:
    probe = stage_probe(tmp_path / "build")
    toml = probe / "wrangler.toml"
    toml.write_text(toml.read_text().replace('["python_workers"]', '["python_workers", "disable_python_external_sdk"]'))
    stderr = refused_start(tmp_path / "build", tmp_path / "state")
    assert "the lane does not have" in stderr
