"""What the billing view and core's paywall read: the effective plan, the subscription, the next
charge, the card and the last invoices."""

from __future__ import annotations

from typing import Any

from billing import entitlements, plan_change
from billing.services import ENDED, Billing
from shared import plans


async def effective_plan(svc: Billing, account_id: str) -> dict[str, Any]:
    return entitlements.effective(account_id, await svc.store.get(account_id), svc.clock.now()).to_json()


async def subscription(svc: Billing, account_id: str) -> dict[str, Any]:
    return {**await effective_plan(svc, account_id), "plans": [plan.public() for plan in plans.PLANS]}


async def details(svc: Billing, account_id: str) -> dict[str, Any]:
    """The next charge, the card's last digits, the last invoices with Stripe's hosted links. Empty
    before the first checkout."""
    record = await svc.store.get(account_id)
    if record is None or not record.stripe_customer_id:
        return {"next_charge_at": None, "card": None, "invoices": []}
    listed = await svc.stripe.get("/v1/invoices", {"customer": record.stripe_customer_id, "limit": 12})
    card = None
    live = record.stripe_subscription_id and record.status not in ENDED
    if live:
        sub = await svc.stripe.get(f"/v1/subscriptions/{record.stripe_subscription_id}")
        method = sub.get("default_payment_method")
        if isinstance(method, str) and method:
            card = plan_change.card(await svc.stripe.get(f"/v1/payment_methods/{method}"))
    next_charge = record.current_period_end if live and not record.cancel_at_period_end else None
    invoices = [plan_change.invoice(i) for i in listed.get("data") or [] if isinstance(i, dict)]
    return {"next_charge_at": next_charge, "card": card, "invoices": invoices}
