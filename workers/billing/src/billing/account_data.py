"""The account's billing data for core's export and deletion."""

from __future__ import annotations

from typing import Any

from billing.services import ENDED, Billing
from billing.stripe import StripeError


async def export(svc: Billing, account_id: str) -> dict[str, Any]:
    """What billing holds about the account (Stripe holds the invoices: the billing portal shows them)."""
    return {"subscription": await svc.store.row(account_id)}


async def delete(svc: Billing, account_id: str) -> None:
    """Cancel the subscription now (no more charges) and drop the row. Stripe keeps the customer and
    invoices, which bookkeeping needs."""
    record = await svc.store.get(account_id)
    if record is not None and record.stripe_subscription_id and record.status not in ENDED:
        try:
            await svc.stripe.request("DELETE", f"/v1/subscriptions/{record.stripe_subscription_id}", {})
        except StripeError as exc:
            if exc.status != 404:  # already gone at Stripe is what we wanted
                raise
    await svc.store.forget(account_id, svc.clock.now())
