"""`scripts/dev --wrangler` (tools/wrangler_dev.py) up to the network boundary: offline, both
`wrangler dev` processes accept the five staged configs, the D1 migrations are applied to state
outside build/ (one local database per worker), and workerd stops at the Pyodide download, which
the tool names instead of a wall of stack traces."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools import build, wrangler_dev

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.deploy


def test_local_database_ids_are_added_to_the_top_level_d1_bindings_only() -> None:
    config = (ROOT / "workers" / "core" / "wrangler.toml").read_text()
    dev = wrangler_dev.local_database_ids(config)
    top, _, envs = dev.partition("[env.")
    assert 'preview_database_id = "smartpages-core"' in top
    assert "preview_database_id" not in envs


def test_every_worker_with_cron_triggers_leads_its_own_process() -> None:
    """`/__scheduled` reaches only a process's first worker, so the tool can fire every cron."""
    for worker in build.WORKERS:  # every group's members are read, not only its leader
        build.stage(worker)
    assert wrangler_dev.crons_by_group() == {
        "core": ["23 * * * *"],
        "mailer": ["41 * * * *"],
        "customer": ["*/10 * * * *"],
        "billing": ["17 * * * *"],
    }


@pytest.mark.parametrize(
    ("pattern", "when", "fires"),
    [
        ("*/10 * * * *", datetime(2026, 12, 6, 3, 20, tzinfo=UTC), True),
        ("*/10 * * * *", datetime(2026, 12, 6, 3, 21, tzinfo=UTC), False),
        ("17 * * * *", datetime(2026, 12, 6, 4, 17, tzinfo=UTC), True),
        ("0 9 * * 1-5", datetime(2026, 12, 7, 9, 0, tzinfo=UTC), True),  # a Monday
        ("0 9 * * 1-5", datetime(2026, 12, 6, 9, 0, tzinfo=UTC), False),  # a Sunday
        ("0 0 1 * 0", datetime(2026, 12, 6, 0, 0, tzinfo=UTC), True),  # day or weekday: a Sunday
        ("0 0 * * 7", datetime(2026, 12, 6, 0, 0, tzinfo=UTC), True),  # 7 is Sunday too
        ("5,35 2-4 * 12 *", datetime(2026, 12, 6, 3, 35, tzinfo=UTC), True),
    ],
)
def test_cron_patterns_fire_on_their_minutes(pattern: str, when: datetime, fires: bool) -> None:
    assert wrangler_dev.cron_matches(pattern, when) is fires


def test_wrangler_dev_gets_as_far_as_the_pyodide_download(tmp_path: Path) -> None:
    state = tmp_path / "state"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tools.wrangler_dev", "--state", str(state), "--port-core", "0",
             "--port-domain", "0"],
            cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        log = result.stderr
        assert result.returncode == 1, log[-3000:]
        for db in ("smartpages-core", "smartpages-customer", "smartpages-billing", "smartpages-mailer"):
            assert f"wrangler dev: migrations applied to {db}" in log
        # Every process (one per worker) reached workerd's download.
        assert "wrangler dev: billing, core, customer, domain, mailer stopped at the Pyodide download" in log
        assert "`wrangler dev` needs the internet for Python Workers" in log
        assert "wrangler dev ready" not in result.stdout
        # State lives where it was asked to, one database per worker, each with its own schema.
        databases = [p for p in state.rglob("*.sqlite") if p.name != "metadata.sqlite"]
        assert len(databases) == 4
        tables = set()
        for db_file in databases:
            with sqlite3.connect(db_file) as conn:
                names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            tables.add("accounts" in names)
        assert tables == {True, False}  # core's accounts table is in one database only
        for short in ("core", "domain"):  # wrangler keeps only scratch files in build/, no state
            assert not (ROOT / "build" / short / ".wrangler" / "state").exists()
        assert (ROOT / "build" / "core" / ".dev.vars").read_text() == wrangler_dev.dev_vars_source("core").read_text()
    finally:
        for short in wrangler_dev.WORKERS:  # the staged bundles as every other test expects them
            build.stage(short)
