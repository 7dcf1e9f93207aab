"""The account's billing data for core's export and deletion."""

from __future__ import annotations

from typing import Any

from billing.services import ENDED, Billing
from billing.stripe import StripeError
from billing.subscriptions import StripeSubscription


async def export(svc: Billing, account_id: str) -> dict[str, Any]:
    """What billing holds about the account (Stripe holds the invoices: the billing portal shows them)."""
    return {"subscription": await svc.store.row(account_id)}


async def cancel(svc: Billing, account_id: str) -> None:
    """Core has scheduled the account's deletion (docs/accounts.md, "Deleting an account"): cancel the
    subscription now (no further charge) and keep the row, as after any cancellation, so the account
    can come back within the window (on no plan: she subscribes again if she wants one)."""
    record = await svc.store.get(account_id)
    if record is None or not record.stripe_subscription_id or record.status in ENDED:
        return
    try:
        obj = await svc.stripe.request("DELETE", f"/v1/subscriptions/{record.stripe_subscription_id}", {})
    except StripeError as exc:
        if exc.status != 404:  # already gone at Stripe is what we wanted
            raise
        return
    # Stripe's own webhook follows; the row says "canceled" at once meanwhile.
    await svc.store.save(account_id, StripeSubscription.parse(obj, svc.processor.prices), None, svc.clock.now())


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
