"""Billing's scheduled repair (Cron Trigger): reconcile subscriptions with Stripe.

Webhooks can be lost for good (an endpoint down for longer than Stripe retries, a misconfigured
secret). Each run re-reads from Stripe the subscriptions we know, least recently updated first,
and applies them exactly as a webhook would (EventProcessor.sync: same store, same notices, same
idempotency keys), so the entitlement converges on what Stripe says. A Stripe or mail failure on
one subscription is logged and the run carries on; the next run tries again."""

from __future__ import annotations

from typing import Any

from billing.events import Event, EventProcessor
from billing.stripe import StripeClient, StripeError
from billing.subscriptions import SubscriptionStore
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


CHECKOUT_GRACE_SECONDS = 600  # the webhook or the return page usually settles it first
CHECKOUT_LIFETIME_SECONDS = 25 * 3600  # Stripe expires an open session after 24 h


async def settle_checkouts(
    store: SubscriptionStore, stripe: StripeClient, processor: EventProcessor, now: float
) -> dict[str, Any]:
    """Paid checkouts whose every webhook was lost, and whose owner never came back to the return
    page, still become paid: each checkout unsettled after a grace period is asked about (PER_RUN a
    run); a complete one is applied exactly as the return page applies it (same event id, so a late
    webhook or return changes nothing more). An expired session, or one open past Stripe's 24 h, is
    dropped; an open one is asked about again next run."""
    settled = failed = 0
    for account_id, session_id, started in await store.pending_checkouts(now - CHECKOUT_GRACE_SECONDS, PER_RUN):
        try:
            session = await stripe.get(f"/v1/checkout/sessions/{session_id}")
        except StripeError as exc:
            if exc.status == 404:  # gone at Stripe: nothing to settle
                await store.checkout_settled(account_id, session_id)
            else:
                failed += 1
                log("checkout_reconcile_failed", exc, session=session_id)
            continue
        status = session.get("status")
        if status == "complete":
            try:
                await processor.checkout_completed(
                    Event(f"return/{session_id}", "checkout.session.completed", 0, session)
                )
            except StripeError as exc:
                failed += 1
                log("checkout_reconcile_failed", exc, session=session_id)
                continue
            except MailUnavailable as exc:  # the plan is saved; the webhook's processing sends the notice
                log("checkout_notice_deferred", exc, session=session_id)
            settled += 1
        if status in ("complete", "expired") or now - started > CHECKOUT_LIFETIME_SECONDS:
            await store.checkout_settled(account_id, session_id)
    return {"checkouts_settled": settled, "checkouts_failed": failed}
