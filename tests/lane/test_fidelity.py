"""The lane runs exactly what `wrangler deploy` uploads, with nothing but the standard library."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.stack import read_dev_vars
from tests import loopback
from tests.dryrun import dry_run
from tests.lane.harness import Lane
from tools import build

pytestmark = pytest.mark.lane


@pytest.mark.parametrize("worker", build.WORKERS)
def test_lane_loads_byte_identical_files_to_the_dry_run_bundle(lane: Lane, worker: str, dry_run_cache: Path) -> None:
    # every module wrangler uploads, the vendored SDK (python_modules/) included
    uploaded = dry_run(lane.build / worker, dry_run_cache).modules()
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
