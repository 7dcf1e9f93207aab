import asyncio
import json
from urllib.parse import parse_qsl

from billing.checkout import CHECKOUT_BUCKET_SECONDS
from devstack import stack as stack_module
from devstack.stack import Stack
from devstack.stripe import StripeStandin
from shared import plans
from tests.billing.conftest import BILLING_VARS, billing_call
from tests.conftest import error_code

CHECKOUT = "/api/v1/billing/checkout"
PORTAL = "/api/v1/billing/portal"


async def checkout(stack, crypto, clock, body: dict, account: str = "acc_1", email: str | None = "ada@example.com"):
    return await billing_call(stack, crypto, clock, "POST", CHECKOUT, account, email, json.dumps(body).encode())


def sent(call) -> dict[str, str]:
    return dict(parse_qsl(call.body.decode()))


async def test_checkout_creates_a_subscription_session(stack: Stack, crypto, clock, stripe: StripeStandin) -> None:
    body = {"plan": "pro", "attribution": {"utm_source": "hubspot", "utm_campaign": "spring"}}
    response = await checkout(stack, crypto, clock, body)
    assert response.status == 200, response.body
    (session,) = stripe.sessions.values()
    assert response.json()["url"] == session["url"]
    (call,) = stripe.calls
    origin = BILLING_VARS["PORTAL_ORIGIN"]
    assert sent(call) == {
        "mode": "subscription",
        "line_items[0][price]": plans.price_ids()["pro"],
        "line_items[0][quantity]": "1",
        "client_reference_id": "acc_1",
        "metadata[account_id]": "acc_1",
        "metadata[plan]": "pro",
        "metadata[utm_source]": "hubspot",
        "metadata[utm_campaign]": "spring",
        "subscription_data[metadata][account_id]": "acc_1",
        "subscription_data[metadata][plan]": "pro",
        "subscription_data[metadata][utm_source]": "hubspot",
        "subscription_data[metadata][utm_campaign]": "spring",
        "success_url": f"{origin}/billing?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{origin}/billing?checkout=cancelled",
        "customer_email": "ada@example.com",
    }
    assert call.header("idempotency-key").startswith("checkout/acc_1/pro/")


async def test_a_known_customer_is_reused(stack: Stack, crypto, clock, stripe: StripeStandin) -> None:
    first = await checkout(stack, crypto, clock, {"plan": "starter"})
    await stripe.complete_checkout(first.json()["id"])
    (sub,) = stripe.subscriptions.values()
    await stripe.cancel(sub["id"])
    again = await checkout(stack, crypto, clock, {"plan": "pro"})
    assert again.status == 200, again.body
    last = sent(stripe.calls[-1])
    assert last["customer"] == sub["customer"]
    assert "customer_email" not in last


async def test_a_double_click_replays_the_same_session(stack: Stack, crypto, clock, stripe: StripeStandin) -> None:
    first = await checkout(stack, crypto, clock, {"plan": "pro"})
    clock.advance(5)
    second = await checkout(stack, crypto, clock, {"plan": "pro"})
    assert first.json() == second.json()
    assert len(stripe.sessions) == 1
    assert stripe.calls[0].header("idempotency-key") == stripe.calls[1].header("idempotency-key")


async def test_a_later_or_different_checkout_is_a_new_session(stack: Stack, crypto, clock, stripe) -> None:
    first = await checkout(stack, crypto, clock, {"plan": "pro"})
    other_plan = await checkout(stack, crypto, clock, {"plan": "starter"})
    other_utm = await checkout(stack, crypto, clock, {"plan": "pro", "attribution": {"ref": "x"}})
    clock.advance(CHECKOUT_BUCKET_SECONDS)
    later = await checkout(stack, crypto, clock, {"plan": "pro"})
    ids = {r.json()["id"] for r in (first, other_plan, other_utm, later)}
    assert len(ids) == 4
    assert len({c.header("idempotency-key") for c in stripe.calls}) == 4


async def test_bad_input_names_the_field(stack: Stack, crypto, clock, stripe) -> None:
    cases = [
        ({}, "plan"),
        ({"plan": "free"}, "plan"),
        ({"plan": "platinum"}, "plan"),
        ({"plan": 3}, "plan"),
        ({"plan": "pro", "coupon": "x"}, "coupon"),
        ({"plan": "pro", "attribution": "x"}, "attribution"),
        ({"plan": "pro", "attribution": {"utm_source": 1}}, "attribution.utm_source"),
        ({"plan": "pro", "attribution": {"evil": "x"}}, "attribution.evil"),
        ({"plan": "pro", "attribution": {"ref": "x" * 201}}, "attribution.ref"),
    ]
    for body, field in cases:
        response = await checkout(stack, crypto, clock, body)
        assert (response.status, error_code(response)) == (400, "invalid_field"), body
        assert response.json()["error"]["message"].startswith(f"{field}:"), body
    assert stripe.calls == []


async def test_an_active_subscriber_is_sent_to_the_portal(stack: Stack, crypto, clock, stripe) -> None:
    first = await checkout(stack, crypto, clock, {"plan": "starter"})
    await stripe.complete_checkout(first.json()["id"])
    response = await checkout(stack, crypto, clock, {"plan": "pro"})
    assert (response.status, error_code(response)) == (409, "already_subscribed")


async def test_stripe_failures_are_a_clear_502(stack: Stack, crypto, clock, stripe) -> None:
    stripe.fail_next(1, 400)
    refused = await checkout(stack, crypto, clock, {"plan": "pro"})
    assert (refused.status, error_code(refused)) == (502, "stripe_request_failed")
    stripe.fail_next(1, 503, should_retry=False)  # no real backoff sleeps in this test
    down = await checkout(stack, crypto, clock, {"plan": "pro"})
    assert (down.status, error_code(down)) == (502, "stripe_unavailable")


async def test_the_portal_needs_a_customer_then_returns_a_url(stack: Stack, crypto, clock, stripe) -> None:
    none_yet = await billing_call(stack, crypto, clock, "POST", PORTAL)
    assert (none_yet.status, error_code(none_yet)) == (409, "no_billing_account")
    first = await checkout(stack, crypto, clock, {"plan": "starter"})
    await stripe.complete_checkout(first.json()["id"])
    response = await billing_call(stack, crypto, clock, "POST", PORTAL)
    assert response.status == 200, response.body
    (portal,) = stripe.portal_sessions.values()
    assert response.json() == {"url": portal["url"]}
    assert portal["return_url"] == f"{BILLING_VARS['PORTAL_ORIGIN']}/billing"
    assert stripe.calls[-1].header("idempotency-key").startswith("portal/acc_1/cus_")


async def test_the_deep_links_attribution_as_core_keeps_it_is_accepted(stack: Stack, crypto, clock, stripe) -> None:
    """The funnel's main path: the portal sends the attribution core stored at sign-up, `plan`
    included; billing used to answer 400 `attribution.plan: unknown key`."""
    link = {"plan": "pro", "utm_source": "hubspot", "landing_page": "/pricing"}
    response = await checkout(stack, crypto, clock, {"plan": "pro", "attribution": link})
    assert response.status == 200, response.body
    params = sent(stripe.calls[-1])
    assert params["metadata[plan]"] == "pro"
    assert params["metadata[entry_plan]"] == "pro"
    assert params["metadata[utm_source]"] == "hubspot"
    assert params["metadata[landing_page]"] == "/pricing"
    # and on the subscription, so it outlives the session
    assert params["subscription_data[metadata][utm_source]"] == "hubspot"


async def test_a_hanging_stripe_answers_504_within_the_deadline(tmp_path, crypto, clock, stripe, monkeypatch) -> None:
    """The finding: with Stripe hanging, checkout still waited after 45 s."""
    monkeypatch.setattr("billing.app.PROVIDER_SECONDS", 0.1)
    built = await stack_module.build(tmp_path / "state", clock=clock, crypto=crypto, stripe=stripe)
    stripe.hang_next(1)
    body = json.dumps({"plan": "pro"}).encode()
    reply = await asyncio.wait_for(billing_call(built, crypto, clock, "POST", "/api/v1/billing/checkout", body=body), 5)
    assert (reply.status, reply.json()["error"]["code"]) == (504, "stripe_timeout")
    assert len([c for c in stripe.calls if c.method == "POST"]) == 1  # a hung call is not retried
    retried = await billing_call(built, crypto, clock, "POST", "/api/v1/billing/checkout", body=body)
    assert retried.status == 200, retried.body
    built.close()


async def test_concurrent_checkout_starts_answer_one_session(stack, crypto, clock, stripe) -> None:
    replies = await asyncio.gather(*(checkout(stack, crypto, clock, {"plan": "pro"}) for _ in range(5)))
    assert [r.status for r in replies] == [200] * 5, [r.body for r in replies]
    assert len({r.json()["id"] for r in replies}) == 1  # one Stripe session: the idempotency key is the operation's
