"""Durable limits on failed logins, per account and per client address, in a sliding hour.

An attempt first reserves a slot with one conditional INSERT (atomic in SQLite/D1), so even
concurrent attempts never process more than the limit; a successful login gives its slot back."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shared.errors import HttpError
from shared.ports import Clock, Database

WINDOW_SECONDS = 3600
PER_ACCOUNT = 100
PER_ADDRESS = 300  # an office or a school shares one address


@dataclass(frozen=True)
class Reservation:
    ids: tuple[int, ...]


async def _reserve(db: Database, clock: Clock, bucket: str, limit: int) -> int | None:
    now = clock.now()
    rows = await db.all(
        "INSERT INTO login_attempts (bucket, at) SELECT ?, ?"
        " WHERE (SELECT count(*) FROM login_attempts WHERE bucket = ? AND at > ?) < ? RETURNING id",
        (bucket, now, bucket, now - WINDOW_SECONDS, limit),
    )
    return int(rows[0]["id"]) if rows else None


async def _retry_after(db: Database, clock: Clock, bucket: str, limit: int) -> int:
    now = clock.now()
    rows = await db.all(
        "SELECT at FROM login_attempts WHERE bucket = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
        (bucket, now - WINDOW_SECONDS, limit - 1),
    )
    oldest_that_counts = float(rows[0]["at"]) if rows else now
    return max(1, math.ceil(oldest_that_counts + WINDOW_SECONDS - now))


async def reserve(db: Database, clock: Clock, account_key: str, address: str) -> Reservation:
    """Takes one attempt from both buckets, or raises 429 with Retry-After and takes none."""
    buckets = ((f"account:{account_key}", PER_ACCOUNT), (f"address:{address}", PER_ADDRESS))
    taken: list[int] = []
    for bucket, limit in buckets:
        slot = await _reserve(db, clock, bucket, limit)
        if slot is None:
            await release(db, Reservation(tuple(taken)))
            wait = await _retry_after(db, clock, bucket, limit)
            raise HttpError(
                429, "too_many_attempts", "Too many failed attempts. Try again later.", [("retry-after", str(wait))]
            )
        taken.append(slot)
    # Old rows are only history; drop them as we go so the table stays small.
    await db.run("DELETE FROM login_attempts WHERE at < ?", (clock.now() - WINDOW_SECONDS,))
    return Reservation(tuple(taken))


async def release(db: Database, reservation: Reservation) -> None:
    """Gives the slots back (the attempt succeeded, so it was not a failure)."""
    for slot in reservation.ids:
        await db.run("DELETE FROM login_attempts WHERE id = ?", (slot,))
