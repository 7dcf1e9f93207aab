"""Billing's scheduled repair (Cron Trigger): reconcile subscriptions with Stripe.

Webhooks can be lost for good (an endpoint down for longer than Stripe retries, a misconfigured
secret). Each run re-reads from Stripe the subscriptions we know, least recently updated first,
and applies them exactly as a webhook would (EventProcessor.sync: same store, same notices, same
idempotency keys), so the entitlement converges on what Stripe says. A Stripe or mail failure on
one subscription is logged and the run carries on; the next run tries again."""

from __future__ import annotations

from typing import Any

from billing.events import Event, EventProcessor
from billing.stripe import StripeError
from shared.log import log
from shared.mail import MailUnavailable
from shared.ports import Database

PER_RUN = 25  # Stripe's read limit is 100/s; a Worker may hold 6 connections: this stays well inside


async def run(db: Database, processor: EventProcessor, now: float) -> dict[str, Any]:
    rows = await db.all(
        "SELECT account_id, stripe_subscription_id FROM subscriptions WHERE stripe_subscription_id IS NOT NULL"
        " ORDER BY updated_at LIMIT ?",
        [PER_RUN],
    )
    synced = failed = 0
    for row in rows:
        subscription_id = str(row["stripe_subscription_id"])
        event = Event(f"reconcile/{subscription_id}/{int(now)}", "reconcile", int(now), {})
        try:
            await processor.sync(event, subscription_id, account_hint=str(row["account_id"]))
            synced += 1
        except (StripeError, MailUnavailable) as exc:
            failed += 1
            log("reconcile_failed", exc, subscription=subscription_id)
        # Checked now: the next run starts with the others, so no subscription holds the rest back.
        await db.run("UPDATE subscriptions SET updated_at = ? WHERE account_id = ?", [now, row["account_id"]])
    return {"subscriptions_synced": synced, "subscriptions_failed": failed}
