"""The mail sweeper (mailer's Cron Trigger): a message still `queued` long after anything last
touched it was never enqueued (the worker stopped between recording it and `MAIL_QUEUE.send`) or
its queue message was lost; it is enqueued again. Idempotent: the consumer acks a message that is
no longer `queued`, and Resend keeps the idempotency key 24 h, so a message enqueued twice is sent
once.

The window is longer than any retry gap: the consumer touches a message at every attempt and its
backoff is capped at 1 h (mailer.delivery), so 3 h untouched means nothing is working on it. Each
run takes at most SWEEP_BATCH messages (a bounded step; a backlog is worked off over the next runs)."""

from __future__ import annotations

import json

from mailer.store import MailStore
from shared.log import log
from shared.ports import Queue

DELIVERY_WINDOW_SECONDS = 3 * 3600
SWEEP_BATCH = 50  # 1 query + 2 binding calls each: far under half of the 1,000 per invocation


async def requeue_stale(store: MailStore, queue: Queue, now: float) -> int:
    """Enqueues again the messages `queued` and untouched for a delivery window; returns how many."""
    stale = await store.stale_queued(now - DELIVERY_WINDOW_SECONDS, SWEEP_BATCH)
    for email_id, request in stale:
        await queue.send({"email_id": email_id, "request": json.loads(request)})
        await store.touch(email_id)
    if stale:
        log("mail_requeued", count=len(stale))
    return len(stale)
