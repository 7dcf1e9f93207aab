"""What billing asks Stripe for when a user subscribes or manages billing, and the idempotency
keys that make a repeated request replay instead of creating a second session.

Checkout key: `checkout/<account>/<plan>/<10-minute bucket>/<digest of the parameters>` (the
parameters name the price, so monthly and yearly are different operations). A double
click or a retried request within the bucket gets the same session back (Stripe replays the first
answer for 24 h); the digest makes any change in what is asked for (another customer, other
attribution) a new operation instead of Stripe's `idempotency_error`; a new bucket is a new
checkout, so someone coming back later never lands on an expired or already completed session.
Portal key: `portal/<account>/<customer>/<1-minute bucket>` (a portal link is short-lived anyway)."""

from __future__ import annotations

from typing import Any

from billing.formencode import encode
from billing.subscriptions import Record
from shared import attribution
from shared.errors import HttpError
from shared.ports import Crypto

CHECKOUT_BUCKET_SECONDS = 600
PORTAL_BUCKET_SECONDS = 60


def session_params(
    account_id: str,
    plan_id: str,
    price_id: str,
    record: Record | None,
    email: str | None,
    portal_origin: str,
    utm: dict[str, str],
) -> dict[str, Any]:
    metadata = {"account_id": account_id, "plan": plan_id, **attribution.stripe_metadata(utm)}
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "client_reference_id": account_id,
        "metadata": metadata,
        # On the subscription too, so its events name the account even before checkout completes
        # and the channel stays with the customer after the session expires.
        "subscription_data": {"metadata": metadata},
        # Stripe fills in {CHECKOUT_SESSION_ID}: the return page asks billing to confirm it (confirm_path).
        "success_url": f"{portal_origin}/billing?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{portal_origin}/billing?checkout=cancelled",
    }
    if record is not None and record.stripe_customer_id:
        params["customer"] = record.stripe_customer_id
    elif email:
        params["customer_email"] = email
    return params


async def checkout_key(crypto: Crypto, account_id: str, plan_id: str, now: float, params: dict[str, Any]) -> str:
    """The price is among the digested parameters: monthly and yearly checkouts never share a key."""
    digest = (await crypto.sha256(encode(params).encode())).hex()[:16]
    return f"checkout/{account_id}/{plan_id}/{int(now // CHECKOUT_BUCKET_SECONDS)}/{digest}"


def portal_params(customer_id: str, portal_origin: str) -> dict[str, Any]:
    return {"customer": customer_id, "return_url": f"{portal_origin}/billing"}


def portal_key(account_id: str, customer_id: str, now: float) -> str:
    return f"portal/{account_id}/{customer_id}/{int(now // PORTAL_BUCKET_SECONDS)}"


def refuse_if_subscribed(record: Record | None) -> None:
    if record is not None and record.stripe_subscription_id and record.status in ("active", "trialing", "past_due"):
        raise HttpError(
            409,
            "already_subscribed",
            "This account already has a subscription; change or cancel it in the billing portal.",
            details={"plan": record.plan, "status": record.status},
        )
