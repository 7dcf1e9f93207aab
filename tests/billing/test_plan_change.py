"""Switching between paid plans in the product: a prorated preview from Stripe's create_preview
invoice, the switch by subscription update with the same proration date, the entitlement following
Stripe's webhook; Starter to Pro and back."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from devstack.stack import Stack
from devstack.stripe import StripeStandin
from shared import plans
from tests.billing.conftest import billing_call, entitlement
from tests.billing.test_checkout import checkout
from tests.conftest import error_code


async def call(stack, crypto, clock, path: str, body: dict):
    return await billing_call(stack, crypto, clock, "POST", path, "acc_1", "ada@example.com", json.dumps(body).encode())


async def test_starter_to_pro_and_back_with_the_proration_shown(
    stack: Stack, crypto, clock, stripe: StripeStandin
) -> None:
    refused = await call(stack, crypto, clock, "/api/v1/billing/plan/preview", {"plan": "pro"})
    assert (refused.status, error_code(refused)) == (409, "no_subscription")
    session = (await checkout(stack, crypto, clock, {"plan": "starter"})).json()
    await stripe.complete_checkout(session["id"])
    (sub,) = stripe.subscriptions.values()
    clock.advance(15 * 86400)  # half-way through the month

    preview = await call(stack, crypto, clock, "/api/v1/billing/plan/preview", {"plan": "pro"})
    assert preview.status == 200, preview.body
    shown = preview.json()
    starter, pro = plans.get("starter").monthly_price_eur * 100, plans.get("pro").monthly_price_eur * 100
    period = sub["items"]["data"][0]
    share = (period["current_period_end"] - shown["proration_date"]) / (
        period["current_period_end"] - period["current_period_start"]
    )
    assert shown["proration_amount"] == round(pro * share) - round(starter * share)
    assert shown["amount_due"] == shown["proration_amount"] + pro
    assert shown["next_charge_at"] == period["current_period_end"]
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "starter"  # a preview changes nothing

    clock.advance(30)
    switched = await call(
        stack, crypto, clock, "/api/v1/billing/plan", {"plan": "pro", "proration_date": shown["proration_date"]}
    )
    assert switched.status == 200, switched.body
    await stripe.settle()  # Stripe's customer.subscription.updated reaches the webhook
    (sent,) = [c for c in stripe.calls if c.method == "POST" and c.path.endswith(f"/v1/subscriptions/{sub['id']}")]
    update = dict(parse_qsl(sent.body.decode()))
    assert update["proration_behavior"] == "create_prorations"
    assert update["proration_date"] == str(shown["proration_date"])
    assert update["items[0][id]"] == period["id"]
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "pro"  # followed the webhook

    back = await call(stack, crypto, clock, "/api/v1/billing/plan", {"plan": "starter"})
    assert back.status == 200, back.body
    await stripe.settle()
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "starter"
    same = await call(stack, crypto, clock, "/api/v1/billing/plan", {"plan": "starter"})
    assert (same.status, error_code(same)) == (409, "same_plan")
    stale = await call(stack, crypto, clock, "/api/v1/billing/plan", {"plan": "pro", "proration_date": 5})
    assert (stale.status, error_code(stale)) == (400, "invalid_field")


async def test_the_standin_refuses_what_stripe_refuses(stack: Stack, crypto, clock, stripe: StripeStandin) -> None:
    session = (await checkout(stack, crypto, clock, {"plan": "starter"})).json()
    await stripe.complete_checkout(session["id"])
    (sub,) = stripe.subscriptions.values()
    from devstack.stripe import StripeFailure

    for params in (
        {"proration_behavior": "sometimes"},
        {"items": [{"id": "si_nope", "price": next(iter(stripe.prices))}]},
    ):
        with pytest.raises(StripeFailure) as failure:
            stripe._update_subscription(params, sub["id"])
        assert failure.value.response.status == 400, params


async def test_the_billing_view_shows_the_next_charge_the_card_and_the_invoices(
    stack: Stack, crypto, clock, stripe: StripeStandin
) -> None:
    empty = await billing_call(stack, crypto, clock, "GET", "/api/v1/billing/details")
    assert empty.json() == {"next_charge_at": None, "card": None, "invoices": []}
    session = (await checkout(stack, crypto, clock, {"plan": "starter"})).json()
    await stripe.complete_checkout(session["id"])
    (sub,) = stripe.subscriptions.values()
    shown = (await billing_call(stack, crypto, clock, "GET", "/api/v1/billing/details")).json()
    assert shown["next_charge_at"] == sub["items"]["data"][0]["current_period_end"]
    assert (shown["card"]["brand"], shown["card"]["last4"]) == ("visa", "4242")
    (invoice,) = shown["invoices"]
    assert invoice["url"] == stripe.invoices[sub["latest_invoice"]]["hosted_invoice_url"]
    assert (invoice["status"], invoice["amount"]) == ("paid", plans.get("starter").monthly_price_eur * 100)
    listed = [c for c in stripe.calls if c.method == "GET" and c.path.endswith("/v1/invoices")]
    assert "customer=" + sub["customer"] in listed[-1].query
