"""ratelimit.clear_account forgets an account's failures, its known browsers' included, and nobody
else's (found by the bucket index: it walked every attempt before)."""

from __future__ import annotations

from pathlib import Path

from core import ratelimit
from devstack import migrations
from devstack.adapters import SqliteDatabase

ROOT = Path(__file__).resolve().parents[2]


async def test_clearing_an_account_forgets_its_buckets_and_its_browsers_only(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "core.sqlite3")
    await migrations.apply(db, ROOT / "workers" / "core" / "migrations")
    buckets = [
        "account:rosa@example.com",
        "account:rosa@example.com:device:d1",
        "account:rosa@example.com:device:d2",
        "account:rosa@example.com.au",  # another account whose address starts the same way
        "account:rosa@example.com.au:device:d1",
        "address:203.0.113.7",
    ]
    for bucket in buckets:
        await db.run("INSERT INTO login_attempts (bucket, at) VALUES (?, ?)", (bucket, 1.0))
    await ratelimit.clear_account(db, "rosa@example.com")
    left = [r["bucket"] for r in await db.all("SELECT bucket FROM login_attempts ORDER BY bucket")]
    assert left == ["account:rosa@example.com.au", "account:rosa@example.com.au:device:d1", "address:203.0.113.7"]
