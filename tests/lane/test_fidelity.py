"""The lane runs exactly what `wrangler deploy` uploads, with nothing but the standard library."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from devstack.stack import read_dev_vars
from tests import loopback
from tests.lane.harness import ROOT, Lane
from tools import build

pytestmark = pytest.mark.lane


@pytest.mark.parametrize("worker", build.WORKERS)
def test_lane_loads_byte_identical_files_to_the_dry_run_bundle(lane: Lane, worker: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(ROOT / "tools" / "wrangler"), "deploy", "--dry-run", "--outdir", str(tmp_path)],
        cwd=lane.build / worker,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    uploaded = {  # every module wrangler uploads, the vendored SDK (python_modules/) included
        p.relative_to(tmp_path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in tmp_path.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    loaded = loopback.get(f"{lane.admin}/files", timeout=30).json()[worker]
    assert "python_modules/workers/__init__.py" in loaded
    assert loaded == uploaded


@pytest.mark.parametrize("worker", build.WORKERS)
def test_each_bundle_imports_only_the_standard_library_and_its_own_modules(lane: Lane, worker: str) -> None:
    operator = {"authorization": "Bearer " + read_dev_vars("core")["OPERATOR_TOKEN"]}
    # make every worker run its request path once
    loopback.get(f"{lane.core}/api/v1/health?deep=1", timeout=60, headers=operator)
    report = loopback.get(f"{lane.admin}/imports", timeout=30).json()[worker]
    assert report["foreign_imports"] == {}
    assert report["foreign_loaded"] == []
    assert report["missing"] == []
    assert "json" in report["stdlib_imports"]


@pytest.mark.parametrize("worker", build.WORKERS)
def test_only_the_edge_touches_the_cloudflare_runtime(lane: Lane, worker: str) -> None:
    report = loopback.get(f"{lane.admin}/imports", timeout=30).json()[worker]
    assert set(report["vendored_imports"]) == {"workers"}  # from the bundle's python_modules/
    assert "workers" not in report["runtime_imports"]
    reach = {**report["runtime_imports"], **report["vendored_imports"]}
    importers = {m for modules in reach.values() for m in modules}
    assert importers
    assert all(m == "entry" or m.startswith("shared.edge") for m in importers), importers
