"""Annual prices (issue 28): a Stripe price per interval for each paid plan (shared/plans.py and
STRIPE_PRICES), a checkout with `interval`, the interval stored from the subscription's price and
told to the portal, and switching between monthly and yearly with the prorated preview (another
interval starts a new period now, as Stripe does, so the preview charges today)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from devstack.stack import Stack
from devstack.stripe import StripeStandin
from shared import plans
from tests.billing.conftest import billing_call, entitlement
from tests.billing.test_checkout import checkout
from tests.conftest import error_code

PREVIEW, SWITCH = "/api/v1/billing/plan/preview", "/api/v1/billing/plan"
YEAR = 365 * 86400


async def call(stack, crypto, clock, path: str, body: dict):
    return await billing_call(stack, crypto, clock, "POST", path, "acc_1", "ada@example.com", json.dumps(body).encode())


async def subscription(stack, crypto, clock) -> dict:
    reply = await billing_call(stack, crypto, clock, "GET", "/api/v1/billing/subscription", "acc_1", "ada@example.com")
    assert reply.status == 200, reply.body
    return reply.json()


async def test_a_yearly_checkout_sells_the_yearly_price(stack: Stack, crypto, clock, stripe: StripeStandin) -> None:
    session = await checkout(stack, crypto, clock, {"plan": "pro", "interval": "year"})
    assert session.status == 200, session.body
    sent = dict(parse_qsl(stripe.calls[-1].body.decode()))
    assert sent["line_items[0][price]"] == plans.prices()[("pro", "year")] != plans.price_ids()["pro"]
    price = stripe.prices[sent["line_items[0][price]"]]
    assert (price["recurring"]["interval"], price["unit_amount"]) == ("year", plans.PRO.yearly_price_eur * 100)
    await stripe.complete_checkout(session.json()["id"])
    (sub,) = stripe.subscriptions.values()
    item = sub["items"]["data"][0]
    assert item["current_period_end"] - item["current_period_start"] == YEAR
    state = await subscription(stack, crypto, clock)
    assert (state["plan"], state["interval"]) == ("pro", "year")
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "pro"


async def test_interval_defaults_to_monthly_and_is_checked(stack: Stack, crypto, clock, stripe: StripeStandin) -> None:
    wrong = await checkout(stack, crypto, clock, {"plan": "pro", "interval": "week"})
    assert (wrong.status, error_code(wrong)) == (400, "invalid_field")
    assert "interval" in wrong.json()["error"]["field"]
    monthly = await checkout(stack, crypto, clock, {"plan": "starter"})
    assert dict(parse_qsl(stripe.calls[-1].body.decode()))["line_items[0][price]"] == plans.price_ids()["starter"]
    await stripe.complete_checkout(monthly.json()["id"])
    assert (await subscription(stack, crypto, clock))["interval"] == "month"


async def test_monthly_to_yearly_with_the_preview(stack: Stack, crypto, clock, stripe: StripeStandin) -> None:
    session = (await checkout(stack, crypto, clock, {"plan": "pro"})).json()
    await stripe.complete_checkout(session["id"])
    (sub,) = stripe.subscriptions.values()
    clock.advance(15 * 86400)
    same = await call(stack, crypto, clock, PREVIEW, {"plan": "pro", "interval": "month"})
    assert (same.status, error_code(same)) == (409, "same_plan")

    preview = await call(stack, crypto, clock, PREVIEW, {"plan": "pro", "interval": "year"})
    assert preview.status == 200, preview.body
    shown = preview.json()
    assert shown["interval"] == "year"
    period = sub["items"]["data"][0]
    share = (period["current_period_end"] - shown["proration_date"]) / (
        period["current_period_end"] - period["current_period_start"]
    )
    monthly, yearly = plans.PRO.monthly_price_eur * 100, plans.PRO.yearly_price_eur * 100
    assert shown["proration_amount"] == -round(monthly * share)  # the unused month credited
    assert shown["amount_due"] == yearly - round(monthly * share)  # and the year charged now
    assert shown["next_charge_at"] == shown["proration_date"]  # today: a new period starts

    switched = await call(
        stack, crypto, clock, SWITCH, {"plan": "pro", "interval": "year", "proration_date": shown["proration_date"]}
    )
    assert switched.status == 200, switched.body
    assert switched.json()["interval"] == "year"
    await stripe.settle()
    updates = [c for c in stripe.calls if c.method == "POST" and c.path.endswith(f"/v1/subscriptions/{sub['id']}")]
    sent = dict(parse_qsl(updates[-1].body.decode()))
    assert sent["items[0][price]"] == plans.prices()[("pro", "year")]
    assert sent["proration_date"] == str(shown["proration_date"])
    state = await subscription(stack, crypto, clock)
    assert (state["plan"], state["interval"]) == ("pro", "year")
    assert state["current_period_end"] == shown["proration_date"] + YEAR

    # Yearly Pro → monthly Starter in one switch; yearly → yearly on the same plan is no change, and a
    # switch that does not say the interval keeps the subscription's (yearly here).
    again = await call(stack, crypto, clock, SWITCH, {"plan": "pro", "interval": "year"})
    assert (again.status, error_code(again)) == (409, "same_plan")
    unsaid = await call(stack, crypto, clock, SWITCH, {"plan": "pro"})
    assert (unsaid.status, error_code(unsaid)) == (409, "same_plan")
    kept = await call(stack, crypto, clock, PREVIEW, {"plan": "starter"})
    assert (kept.status, kept.json()["interval"]) == (200, "year")
    down = await call(stack, crypto, clock, SWITCH, {"plan": "starter", "interval": "month"})
    assert down.status == 200, down.body
    await stripe.settle()
    state = await subscription(stack, crypto, clock)
    assert (state["plan"], state["interval"]) == ("starter", "month")


async def test_the_subscription_endpoint_says_what_each_plan_includes(stack: Stack, crypto, clock) -> None:
    state = await subscription(stack, crypto, clock)
    assert state["interval"] is None  # nothing subscribed
    by_id = {p["id"]: p for p in state["plans"]}
    assert by_id["starter"]["limits"] == plans.STARTER.limits()
    assert (by_id["pro"]["monthly_price_eur"], by_id["pro"]["yearly_price_eur"]) == (29, 290)
