"""Switching between paid plans or billing intervals: what it costs now (Stripe's preview invoice
with prorations), then the switch itself, charging exactly what the preview showed."""

from __future__ import annotations

from typing import Any

from billing import entitlements, plan_change
from billing.operations import PlanSwitch
from billing.services import Billing
from billing.subscriptions import Record
from shared.errors import Conflict


async def _target(svc: Billing, account_id: str, command: PlanSwitch) -> tuple[Record, dict[str, Any], str]:
    """The live subscription, its Stripe copy and the interval asked for (unsaid: as now)."""
    record = await svc.store.get(account_id)
    if record is None or not record.stripe_subscription_id or record.status not in entitlements.GRANTING:
        raise Conflict("no_subscription", "There is no active subscription to change: choose a plan first.")
    interval = command.interval or record.interval or "month"
    if record.plan == command.plan and (record.interval or "month") == interval:
        raise Conflict("same_plan", "You are on that plan already.")
    sub = await svc.stripe.get(f"/v1/subscriptions/{record.stripe_subscription_id}")
    return record, sub, interval


async def preview(svc: Billing, account_id: str, command: PlanSwitch) -> dict[str, Any]:
    """The returned `proration_date` makes the switch charge exactly what was shown."""
    record, sub, interval = await _target(svc, account_id, command)
    when = int(svc.clock.now())
    invoice = await svc.stripe.post(
        "/v1/invoices/create_preview",
        {
            "customer": record.stripe_customer_id,
            "subscription": record.stripe_subscription_id,
            "subscription_details": plan_change.details(sub, svc.prices[(command.plan, interval)], when),
        },
        f"preview/{record.account_id}/{command.plan}/{interval}/{when}",
    )
    summary = plan_change.summary(invoice)
    return {"plan": command.plan, "interval": interval, "proration_date": when, **summary}


async def switch(svc: Billing, account_id: str, command: PlanSwitch) -> dict[str, Any]:
    """Stripe's subscription update, prorated on the next invoice. The entitlement follows when
    Stripe's `customer.subscription.updated` arrives."""
    record, sub, interval = await _target(svc, account_id, command)
    when = plan_change.proration_date(command.proration_date, svc.clock.now())
    details = plan_change.details(sub, svc.prices[(command.plan, interval)], when)
    updated = await svc.stripe.post(
        f"/v1/subscriptions/{record.stripe_subscription_id}",
        details,
        f"plan/{record.stripe_subscription_id}/{command.plan}/{interval}/{when}",
    )
    return {"plan": command.plan, "interval": interval, "status": updated.get("status"), "proration_date": when}
