"""The whole product path through core's gateway, as a browser and Stripe drive it."""

from billing.entitlements import GRACE_SECONDS
from devstack.stripe_standin import StripeStandin
from tests.billing.conftest import Browser, Outbox
from tests.conftest import error_code
from tests.core.conftest import signed_up

EMAIL = "ada@example.com"


async def subscribe(browser: Browser, stripe: StripeStandin, plan: str = "starter") -> dict:
    response = await browser.post("/api/v1/billing/checkout", {"plan": plan, "attribution": {"utm_source": "hs"}})
    assert response.status == 200, response.body
    url = response.json()["url"]
    (session,) = [s for s in stripe.sessions.values() if s["url"] == url]
    await stripe.complete_checkout(session["id"])  # the Pay button on the hosted page
    assert {d.status for d in stripe.deliveries} == {200}
    return stripe.subscriptions[stripe.sessions[session["id"]]["subscription"]]


async def test_a_free_account_pays_and_the_gated_action_opens(browser: Browser, outbox: Outbox, stripe) -> None:
    await signed_up(browser, outbox, EMAIL)
    refused = await browser.call("POST", "/api/v1/domains", {})
    assert (refused.status, error_code(refused)) == (402, "requires_starter_plan")
    assert refused.json()["error"]["required_plan"] == "starter"

    await subscribe(browser, stripe)

    state = (await browser.call("GET", "/api/v1/billing/subscription")).json()
    assert (state["plan"], state["status"]) == ("starter", "active")
    opened = await browser.call("POST", "/api/v1/domains", {})
    assert opened.status != 402, opened.body  # customer's domains answer is the sites issue's
    session = next(iter(stripe.sessions.values()))
    assert session["customer_email"] == EMAIL
    assert session["metadata"]["utm_source"] == "hs"
    assert [m["template"] for m in outbox.sent if m["to"] == EMAIL][-1] == "subscription_activated"


async def test_a_failed_payment_mails_and_keeps_the_plan_through_the_grace(browser, outbox, stripe, clock) -> None:
    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe)
    await stripe.fail_payment(sub["id"])

    failed = [m for m in outbox.sent if m["template"] == "payment_failed"]
    assert len(failed) == 1
    assert failed[0]["to"] == EMAIL
    assert failed[0]["data"]["amount"] == "9.00 EUR"
    assert failed[0]["data"]["link"].endswith("/billing")
    state = (await browser.call("GET", "/api/v1/billing/subscription")).json()
    assert (state["plan"], state["status"]) == ("starter", "past_due")
    assert state["grace_until"] == int(clock.now() + GRACE_SECONDS)
    assert (await browser.call("POST", "/api/v1/domains", {})).status != 402

    clock.advance(GRACE_SECONDS - 60)
    assert (await browser.call("POST", "/api/v1/domains", {})).status != 402
    clock.advance(120)
    assert (await browser.call("POST", "/api/v1/domains", {})).status == 402
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["plan"] == "free"

    await stripe.recover(sub["id"])  # the customer fixes the card: back on the plan
    state = (await browser.call("GET", "/api/v1/billing/subscription")).json()
    assert (state["plan"], state["status"], state["grace_until"]) == ("starter", "active", None)


async def test_a_second_failure_does_not_restart_the_grace(browser, outbox, stripe, clock) -> None:
    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe)
    await stripe.fail_payment(sub["id"])
    first = (await browser.call("GET", "/api/v1/billing/subscription")).json()["grace_until"]
    clock.advance(3 * 86400)
    await stripe.fail_payment(sub["id"])
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["grace_until"] == first
    assert len([m for m in outbox.sent if m["template"] == "payment_failed"]) == 2  # one per failed attempt


async def test_cancellation_downgrades_to_free(browser, outbox, stripe) -> None:
    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe, plan="pro")
    portal = await browser.post("/api/v1/billing/portal")
    assert portal.status == 200, portal.body
    await stripe.cancel(sub["id"], at_period_end=True)
    state = (await browser.call("GET", "/api/v1/billing/subscription")).json()
    assert (state["plan"], state["cancel_at_period_end"]) == ("pro", True)
    notice = [m for m in outbox.sent if m["template"] == "subscription_cancelled"]
    assert len(notice) == 1
    assert "access_until" in notice[0]["data"]

    await stripe.cancel(sub["id"])
    state = (await browser.call("GET", "/api/v1/billing/subscription")).json()
    assert (state["plan"], state["status"]) == ("free", "canceled")
    assert (await browser.call("POST", "/api/v1/domains", {})).status == 402
    assert len([m for m in outbox.sent if m["template"] == "subscription_cancelled"]) == 1


async def test_action_required_and_trial_notices(browser, outbox, stripe) -> None:
    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe)
    await stripe.require_action(sub["id"])
    (action,) = [m for m in outbox.sent if m["template"] == "payment_action_required"]
    assert (
        action["data"]["link"]
        == stripe.last_event("invoice.payment_action_required")["data"]["object"]["hosted_invoice_url"]
    )
    stripe.subscriptions[sub["id"]].update(status="trialing", trial_end=int(stripe.now()) + 3 * 86400)
    await stripe.trial_will_end(sub["id"])
    (trial,) = [m for m in outbox.sent if m["template"] == "trial_ending"]
    assert trial["idempotency_key"] == f"stripe/{stripe.last_event('customer.subscription.trial_will_end')['id']}"
    assert {d.status for d in stripe.deliveries} == {200}


async def test_deleting_the_account_cancels_the_subscription_first(browser, outbox, stripe, stack) -> None:
    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe, plan="pro")
    deleted = await browser.call("DELETE", "/api/v1/account", {"password": "correct horse battery staple"})
    assert deleted.status == 204, deleted.body
    assert stripe.subscriptions[sub["id"]]["status"] == "canceled"  # no more charges
    assert await stack.databases["billing"].all("SELECT * FROM subscriptions") == []
    assert await stack.databases["core"].all("SELECT * FROM accounts") == []


async def test_if_stripe_cannot_cancel_nothing_is_deleted(browser, outbox, stripe, stack) -> None:
    await signed_up(browser, outbox, EMAIL)
    await subscribe(browser, stripe)
    stripe.fail_next(5, 500)
    refused = await browser.call("DELETE", "/api/v1/account", {"password": "correct horse battery staple"})
    assert (refused.status, error_code(refused)) == (502, "delete_failed")
    assert len(await stack.databases["core"].all("SELECT * FROM accounts")) == 1
    assert (await browser.call("GET", "/api/v1/account")).status == 200
