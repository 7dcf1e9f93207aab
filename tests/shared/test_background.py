"""shared.background: work started after the answer is collected for waitUntil and never raises."""

from __future__ import annotations

import asyncio

import pytest

from shared import background


async def test_work_started_inside_collecting_is_handed_over_and_runs() -> None:
    done: list[str] = []

    async def mail() -> None:
        await asyncio.sleep(0)
        done.append("sent")

    with background.collecting() as started:
        background.later(mail())
    assert len(started) == 1
    assert done == []  # not awaited by the caller: the answer goes first
    await asyncio.gather(*started)
    assert done == ["sent"]


async def test_a_failure_is_logged_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    async def broken() -> None:
        raise RuntimeError("mailer down")

    background.later(broken())
    await background.drain()
    assert "mailer down" in capsys.readouterr().out
