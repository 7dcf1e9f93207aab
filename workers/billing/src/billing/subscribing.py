"""Subscribing: a Stripe Checkout for a plan, the return from it, and Stripe's billing portal."""

from __future__ import annotations

from typing import Any

from billing import checkout, entitlements
from billing.events import Event
from billing.operations import Checkout, ConfirmCheckout
from billing.services import Billing
from billing.stripe import StripeError
from shared.errors import Conflict, NotFound
from shared.log import log
from shared.mail import MailUnavailable

_NO_CHECKOUT = ("checkout_not_found", "There is no such checkout.")


async def start_checkout(svc: Billing, account_id: str, email: str | None, command: Checkout) -> dict[str, Any]:
    """A Checkout Session for the plan: where to send the customer (`url`) and its id."""
    now = svc.clock.now()
    if email:
        await svc.store.remember_email(account_id, email, now)
    record = await svc.store.get(account_id)
    checkout.refuse_if_subscribed(record)
    price = svc.prices[(command.plan, command.interval)]
    params = checkout.session_params(
        account_id, command.plan, price, record, email, svc.portal_origin, command.attribution
    )
    key = await checkout.checkout_key(svc.crypto, account_id, command.plan, now, params)
    session = await svc.stripe.post("/v1/checkout/sessions", params, key)
    await svc.store.checkout_started(account_id, now, str(session.get("id") or ""))
    return {"url": session.get("url"), "id": session.get("id")}


async def confirm_checkout(svc: Billing, account_id: str, command: ConfirmCheckout) -> dict[str, Any]:
    """The return page asks: if the webhook has not arrived (or never will), the user is not left
    on Free after paying. Stripe is asked about the session; its effect is the webhook's."""
    try:
        session = await svc.stripe.get(f"/v1/checkout/sessions/{command.session_id}")
    except StripeError as exc:
        if exc.status == 404:
            raise NotFound(*_NO_CHECKOUT) from exc
        raise
    if session.get("client_reference_id") != account_id:
        raise NotFound(*_NO_CHECKOUT)
    if session.get("status") == "complete":
        event = Event(f"return/{command.session_id}", "checkout.session.completed", 0, session)
        try:
            await svc.processor.checkout_completed(event)
        except MailUnavailable as exc:  # the plan is saved; the webhook's processing sends the notice
            log("checkout_notice_deferred", exc, session=command.session_id)  # (same idempotency key)
    record = await svc.store.get(account_id)
    state = entitlements.effective(account_id, record, svc.clock.now()).to_json()
    return {**state, "checkout_status": session.get("status")}


async def open_portal(svc: Billing, account_id: str) -> dict[str, Any]:
    """A billing-portal session: where to send the customer (`url`)."""
    record = await svc.store.get(account_id)
    if record is None or not record.stripe_customer_id:
        raise Conflict("no_billing_account", "There is nothing to manage yet: subscribe to a plan first.")
    portal = await svc.stripe.post(
        "/v1/billing_portal/sessions",
        checkout.portal_params(record.stripe_customer_id, svc.portal_origin),
        checkout.portal_key(account_id, record.stripe_customer_id, svc.clock.now()),
    )
    return {"url": portal.get("url")}
