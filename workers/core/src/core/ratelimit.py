"""Failed-login throttling that slows guessing without locking the owner out.

Per account: the first FREE_ATTEMPTS failures in a sliding hour cost nothing; after that each
attempt must wait a delay that doubles with every failure (2 s, 4 s, ... up to MAX_DELAY_SECONDS)
since the last one. An attacker gets at most about 65 guesses an hour at an account (ASVS 2.2.1
asks for no more than 100), and the owner, with the right password, waits at most a minute, or
not at all after a magic link or a password reset, which clear the account's failures.
Per client address (`cf-connecting-ip`): at most PER_ADDRESS failures an hour, a hard limit that
only stops that address.

An attempt first reserves a slot with one conditional INSERT (atomic in SQLite/D1) that only
succeeds if nothing changed since we looked, so concurrent attempts never skip a delay; a
successful login gives its slot back."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shared.errors import HttpError
from shared.ports import Clock, Database

WINDOW_SECONDS = 3600
FREE_ATTEMPTS = 5
MAX_DELAY_SECONDS = 60
PER_ADDRESS = 300  # an office or a school shares one address


@dataclass(frozen=True)
class Reservation:
    ids: tuple[int, ...]


def delay(failures: int) -> int:
    """Seconds the next attempt must wait after the last failure, given the failures in the window."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS))


def _too_many(wait: float) -> HttpError:
    seconds = str(max(1, math.ceil(wait)))
    return HttpError(
        429,
        "too_many_attempts",
        f"Too many attempts. Try again in {seconds} seconds, or sign in with an emailed link.",
        [("retry-after", seconds)],
    )


async def _reserve_account(db: Database, clock: Clock, bucket: str) -> int:
    now = clock.now()
    since = now - WINDOW_SECONDS
    (seen,) = await db.all(
        "SELECT count(*) AS n, coalesce(max(at), 0) AS last FROM login_attempts WHERE bucket = ? AND at > ?",
        (bucket, since),
    )
    failures, last = int(seen["n"]), float(seen["last"])
    wait = last + delay(failures) - now
    if wait > 0:
        raise _too_many(wait)
    rows = await db.all(
        "INSERT INTO login_attempts (bucket, at) SELECT ?, ?"
        " WHERE (SELECT count(*) FROM login_attempts WHERE bucket = ? AND at > ?) = ?"
        " AND (SELECT coalesce(max(at), 0) FROM login_attempts WHERE bucket = ? AND at > ?) = ? RETURNING id",
        (bucket, now, bucket, since, failures, bucket, since, last),
    )
    if not rows:  # another attempt got in between: it set the pace
        raise _too_many(delay(failures + 1) or 1)
    return int(rows[0]["id"])


async def _reserve_address(db: Database, clock: Clock, bucket: str) -> int:
    now = clock.now()
    rows = await db.all(
        "INSERT INTO login_attempts (bucket, at) SELECT ?, ?"
        " WHERE (SELECT count(*) FROM login_attempts WHERE bucket = ? AND at > ?) < ? RETURNING id",
        (bucket, now, bucket, now - WINDOW_SECONDS, PER_ADDRESS),
    )
    if rows:
        return int(rows[0]["id"])
    oldest = await db.all(
        "SELECT at FROM login_attempts WHERE bucket = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
        (bucket, now - WINDOW_SECONDS, PER_ADDRESS - 1),
    )
    raise _too_many((float(oldest[0]["at"]) if oldest else now) + WINDOW_SECONDS - now)


async def reserve(db: Database, clock: Clock, account_key: str, address: str, device: str = "") -> Reservation:
    """Takes one attempt for the address and the account, or raises 429 with Retry-After and takes none.
    A browser that signed in to the account before (`device`, core/devices.py) has a bucket of its
    own, with the same delays: others guessing at the account cannot keep it out (issue 23, L2)."""
    address_slot = await _reserve_address(db, clock, f"address:{address}")
    bucket = f"account:{account_key}" + (f":device:{device}" if device else "")
    try:
        account_slot = await _reserve_account(db, clock, bucket)
    except HttpError:
        await release(db, Reservation((address_slot,)))
        raise
    # Old rows are only history; drop them as we go so the table stays small.
    await db.run("DELETE FROM login_attempts WHERE at < ?", (clock.now() - WINDOW_SECONDS,))
    return Reservation((address_slot, account_slot))


async def release(db: Database, reservation: Reservation) -> None:
    """Gives the slots back (the attempt succeeded, so it was not a failure)."""
    for slot in reservation.ids:
        await db.run("DELETE FROM login_attempts WHERE id = ?", (slot,))


async def clear_account(db: Database, account_key: str) -> None:
    """Forgets an account's failures: its owner just proved control of the address (magic link, reset)."""
    bucket = f"account:{account_key}"
    devices = f"{bucket}:device:"  # and every `<bucket>:device:<id>`: the range up to the next character
    await db.run(
        "DELETE FROM login_attempts WHERE bucket = ? OR (bucket >= ? AND bucket < ?)",
        (bucket, devices, f"{bucket}:device;"),  # ';' follows ':', so the range is exactly that prefix (BINARY order)
    )
