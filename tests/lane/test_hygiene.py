"""The lane leaves no process behind when killed, and refuses a second lane on its state folder."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.lane.harness import own_lane, refused_start, stage_probe

pytestmark = pytest.mark.lane


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found |= {int(child)} | descendants(int(child))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_sigkill_leaves_no_process_and_a_second_lane_on_the_same_state_is_refused(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build")
    with own_lane(tmp_path / "build", tmp_path / "state") as (lane, _urls, _log):
        children = descendants(lane.proc.pid)
        assert children  # workerd (Miniflare) and the watchdog
        stderr = refused_start(tmp_path / "build", tmp_path / "state")
        assert f"another lane (pid {lane.proc.pid}) is using the state folder" in stderr
        os.kill(lane.proc.pid, signal.SIGKILL)
        lane.proc.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if alive(pid)]
    # The killed lane's lock is stale: a new lane starts on the same state.
    with own_lane(tmp_path / "build", tmp_path / "state") as (_lane, urls, _log):
        assert "admin" in urls
