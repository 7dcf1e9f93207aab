"""Core's retention job (Cron Trigger): expired sessions, links and login attempts go; live ones stay;
a backlog larger than a run's bound is worked off over the next runs."""

from __future__ import annotations

import pytest

from core.app import bootstrap_job, jobs
from core.sessions import ABSOLUTE_SECONDS, IDLE_SECONDS
from devstack.stack import Stack
from tests.conftest import FakeClock

DAY = 86400


async def test_expired_rows_go_and_live_ones_stay(stack: Stack, clock: FakeClock) -> None:
    db = stack.databases["core"]
    now = clock.now()
    await db.run("INSERT INTO accounts (id, email, created_at) VALUES ('acct', 'ada@example.com', ?)", [now])
    sessions = {
        "live": (now - DAY, now - 60, None),
        "idle": (now - 20 * DAY, now - IDLE_SECONDS - 1, None),
        "old": (now - ABSOLUTE_SECONDS - 1, now - 60, None),
        "revoked": (now - 3 * DAY, now - 2 * DAY, now - 2 * DAY),
        "just_revoked": (now - 3 * DAY, now - 60, now - 60),
    }
    for sid, (created, seen, revoked) in sessions.items():
        await db.run(
            "INSERT INTO sessions (id, account_id, token_hash, created_at, last_seen_at, revoked_at)"
            " VALUES (?, 'acct', ?, ?, ?, ?)",
            [sid, f"hash-{sid}", created, seen, revoked],
        )
    for tid, expires in {"fresh": now + 3600, "expired_yesterday": now - DAY, "long_gone": now - 8 * DAY}.items():
        await db.run(
            "INSERT INTO tokens (id, token_hash, purpose, account_id, created_at, expires_at)"
            " VALUES (?, ?, 'verify_email', 'acct', ?, ?)",
            [tid, f"hash-{tid}", now - 9 * DAY, expires],
        )
    await db.run("INSERT INTO login_attempts (bucket, at) VALUES ('ip:1', ?), ('ip:2', ?)", [now - 7200, now - 60])

    ran = await bootstrap_job(stack.settings["core"], stack.ports["core"])("23 * * * *", now)
    assert ran == {
        "accounts_deleted": 0,  # core's other job (core/deletion.py): nobody's window has passed
        "accounts_failed": 0,
        "retention_sessions_idle": 1,
        "retention_sessions_absolute": 1,
        "retention_sessions_revoked": 1,
        "retention_tokens": 1,
        "retention_login_attempts": 1,
    }
    assert sorted(r["id"] for r in await db.all("SELECT id FROM sessions")) == ["just_revoked", "live"]
    assert sorted(r["id"] for r in await db.all("SELECT id FROM tokens")) == ["expired_yesterday", "fresh"]
    assert [r["bucket"] for r in await db.all("SELECT bucket FROM login_attempts")] == ["ip:2"]


async def test_a_backlog_is_worked_off_a_bounded_step_per_run(
    stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.retention.CHUNK", 3)
    monkeypatch.setattr("shared.retention.CHUNKS_PER_STEP", 2)
    db = stack.databases["core"]
    for i in range(10):
        await db.run("INSERT INTO login_attempts (bucket, at) VALUES (?, ?)", [f"ip:{i}", clock.now() - 7200])
    step = jobs(stack.settings["core"], stack.ports["core"]).steps["retention"]
    first, second = await step({"job": "retention"}), await step({"job": "retention"})
    assert (first.report["retention_login_attempts"], first.next) == (6, ({"job": "retention"},))
    assert (second.report["retention_login_attempts"], second.next) == (4, ())
    assert await db.all("SELECT * FROM login_attempts") == []
