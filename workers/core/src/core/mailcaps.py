"""Caps on the signed-in and public requests that mail an address someone typed (issue 23, M3).

Mailer's budget (docs/mail.md) already counts every account mail per normalised mailbox; these caps
stop the requests earlier and per account as well: change-email and resend-verification, each per
account and per mailbox (shared/mailbox.py: `+tag` aliases and Gmail's dots are one mailbox).
A request is counted by one conditional INSERT (atomic in D1) that succeeds only under every limit."""

from __future__ import annotations

import math

from shared.errors import HttpError
from shared.ports import Clock, Database

HOUR, DAY = 3600.0, 86400.0
Limits = tuple[tuple[int, float], ...]  # (at most this many, in this many seconds)

CHANGE_EMAIL_PER_ACCOUNT: Limits = ((3, HOUR), (10, DAY))
RESEND_PER_ACCOUNT: Limits = ((3, HOUR), (5, DAY))
PER_MAILBOX: Limits = ((3, HOUR), (5, DAY))  # change-email and resend to one mailbox, from anyone


async def take(db: Database, clock: Clock, bucket: str, limits: Limits) -> float:
    """Counts one request in `bucket` and returns 0, or counts nothing and returns the seconds until
    the bucket has room again."""
    now = clock.now()
    under = " AND ".join("(SELECT count(*) FROM request_caps WHERE bucket = ? AND at > ?) < ?" for _ in limits)
    params: list[str | float | int] = [bucket, now]
    for count, window in limits:
        params += [bucket, now - window, count]
    rows = await db.all(f"INSERT INTO request_caps (bucket, at) SELECT ?, ? WHERE {under} RETURNING id", params)
    await db.run("DELETE FROM request_caps WHERE at < ?", (now - max(w for _, w in limits),))
    if rows:
        return 0.0
    wait = 1.0
    for count, window in limits:
        kept = await db.all(
            "SELECT at FROM request_caps WHERE bucket = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
            (bucket, now - window, count - 1),
        )
        if kept:
            wait = max(wait, float(kept[0]["at"]) + window - now)
    return wait


def too_many(wait: float) -> HttpError:
    seconds = str(max(1, math.ceil(wait)))
    minutes = max(1, math.ceil(wait / 60))
    return HttpError(
        429,
        "too_many_requests",
        f"You asked for this several times already. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        [("retry-after", seconds)],
    )
