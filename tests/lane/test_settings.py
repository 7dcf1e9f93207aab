"""Settings on the runtime lane: a worker missing a required variable does not serve on a default,
it fails naming the variable (issue 17: PORTAL_ORIGIN was read six ways, three of them silent when
unset). The same `settings_from` runs here as on the CPython stack (tests/devstack/test_stack.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests import loopback
from tests.lane.harness import Lane, own_lane

pytestmark = pytest.mark.lane


def test_a_missing_required_var_stops_the_worker_naming_it(lane: Lane, tmp_path: Path) -> None:
    with own_lane(lane.build, tmp_path / "state", "--var", "core:PORTAL_ORIGIN=") as (_, urls, log):
        response = loopback.get(f"{urls['core']}/api/v1/plans", timeout=60)
        assert response.status_code == 500

        def named() -> bool:
            return any("SettingsError: PORTAL_ORIGIN is not set" in line for line in log)

        deadline = time.monotonic() + 10  # the lane's output is read by another thread: the line may trail the 500
        while not named() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert named(), log[-5:]
