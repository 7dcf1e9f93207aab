import asyncio
import json
from typing import Any

from billing.eventlog import STALE_CLAIM_SECONDS as EVENT_CLAIM_SECONDS
from devstack import stack as stack_module
from devstack.stack import Stack
from devstack.stripe import StripeStandin, signature_header
from shared.http import Request
from tests.billing.conftest import WEBHOOK_PATH, Outbox, billing_call, entitlement

BILLING_MAILS = {
    "subscription_activated",
    "subscription_cancelled",
    "payment_failed",
    "payment_action_required",
    "trial_ending",
}


async def subscribed(stack: Stack, crypto, clock, stripe: StripeStandin, plan: str = "pro", account: str = "acc_1"):
    body = json.dumps({"plan": plan}).encode()
    response = await billing_call(stack, crypto, clock, "POST", "/api/v1/billing/checkout", account, body=body)
    assert response.status == 200, response.body
    await stripe.complete_checkout(response.json()["id"])
    return next(s for s in stripe.subscriptions.values() if s["metadata"]["account_id"] == account)


def billing_mails(outbox: Outbox) -> list[dict]:
    return [m for m in outbox.sent if m["template"] in BILLING_MAILS]


async def processed(stack: Stack) -> list[dict]:
    return await stack.databases["billing"].all("SELECT event_id, state FROM processed_events")


async def test_checkout_completion_activates_the_plan(stack, crypto, clock, stripe, outbox: Outbox) -> None:
    sub = await subscribed(stack, crypto, clock, stripe)
    assert {d.status for d in stripe.deliveries} == {200}
    state = await entitlement(stack, crypto, clock, "acc_1")
    assert (state["plan"], state["status"]) == ("pro", "active")
    assert state["current_period_end"] == sub["items"]["data"][0]["current_period_end"]
    (mail,) = billing_mails(outbox)
    assert mail["template"] == "subscription_activated"
    assert mail["to"] == "ada@example.com"
    assert mail["idempotency_key"] == f"subscription-activated/{sub['id']}"
    assert mail["data"]["plan"] == "Pro"


async def test_the_first_payment_makes_the_crm_contact_a_customer(stack, crypto, clock, stripe, hubspot) -> None:
    assert hubspot.by_email("ada@example.com") is None
    await subscribed(stack, crypto, clock, stripe)
    contact = hubspot.by_email("ada@example.com")
    assert contact is not None
    assert contact["properties"]["lifecyclestage"] == "customer"


async def paid_but_held(stack, crypto, clock, stripe) -> dict[str, Any]:
    """acc_1 pays for Pro; the checkout.session.completed event is held back for the test to deliver."""
    stripe.auto_deliver = False
    body = json.dumps({"plan": "pro"}).encode()
    response = await billing_call(stack, crypto, clock, "POST", "/api/v1/billing/checkout", body=body)
    await stripe.complete_checkout(response.json()["id"])
    return stripe.last_event("checkout.session.completed")


async def test_a_bad_or_stale_signature_is_400_and_changes_nothing(stack, crypto, clock, stripe, outbox) -> None:
    completed = await paid_but_held(stack, crypto, clock, stripe)
    calls_before = len(stripe.calls)
    refusals = [
        await stripe.deliver(completed, secret="whsec_someone_else"),
        await stripe.deliver(completed, timestamp=clock.now() - 301),
        await stripe.deliver(completed, timestamp=clock.now() + 301),
        await stripe.deliver(completed, signature=""),
        await stripe.deliver(  # signed, then changed on the way
            completed,
            signature=signature_header(stripe.webhook_secret, int(clock.now()), stripe.body_of(completed)),
            raw=stripe.body_of(completed).replace(b"acc_1", b"acc_2"),
        ),
    ]
    assert refusals == [400] * 5
    assert await processed(stack) == []
    assert len(stripe.calls) == calls_before  # not even a re-fetch
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "free"
    assert billing_mails(outbox) == []
    # The same event, correctly signed, still works afterwards.
    assert await stripe.deliver(completed) == 200
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "pro"


async def test_the_refusal_is_a_stripe_error_shape_from_core(stack, stripe) -> None:
    event = stripe._emit("ping", {"id": "x", "object": "thing"})
    response = await stack.core.handle(
        Request(
            "POST",
            WEBHOOK_PATH,
            "",
            {"stripe-signature": "t=1,v1=00", "content-type": "application/json"},
            stripe.body_of(event),
        )
    )
    assert response.status == 400
    assert response.json()["error"]["code"] == "invalid_signature"


async def test_the_same_event_twice_at_once_has_one_effect(stack, crypto, clock, stripe, outbox) -> None:
    completed = await paid_but_held(stack, crypto, clock, stripe)
    refetches_before = sum("/v1/subscriptions/" in c.path for c in stripe.calls)
    statuses = await stripe.deliver_concurrently(completed, times=3)
    # One does the work; one arriving while it is in flight gets 409 (Stripe retries it later, so
    # the event is not lost if the first dies), one arriving after it is done gets 200.
    assert 200 in statuses
    assert set(statuses) <= {200, 409}
    refetches = sum("/v1/subscriptions/" in c.path for c in stripe.calls) - refetches_before
    assert refetches == 1  # processed once
    assert await processed(stack) == [{"event_id": completed["id"], "state": "done"}]
    assert [m["template"] for m in billing_mails(outbox)] == ["subscription_activated"]
    # Later duplicates too.
    assert await stripe.deliver(completed) == 200
    assert len(billing_mails(outbox)) == 1


async def test_duplicate_failure_notices_are_sent_once(stack, crypto, clock, stripe, outbox) -> None:
    sub = await subscribed(stack, crypto, clock, stripe)
    stripe.auto_deliver = False
    await stripe.fail_payment(sub["id"])
    failed = stripe.last_event("invoice.payment_failed")
    await asyncio.gather(stripe.deliver(failed), stripe.deliver(failed))
    assert [m["template"] for m in billing_mails(outbox)].count("payment_failed") == 1


async def test_updated_after_deleted_ends_in_stripes_state(stack, crypto, clock, stripe, outbox) -> None:
    sub = await subscribed(stack, crypto, clock, stripe)
    stripe.auto_deliver = False
    await stripe.cancel(sub["id"], at_period_end=True)  # customer.subscription.updated (still active)
    await stripe.cancel(sub["id"])  # customer.subscription.deleted
    assert [e["type"] for e in stripe.pending] == ["customer.subscription.updated", "customer.subscription.deleted"]
    assert await stripe.flush(order="reversed") == [200, 200]
    state = await entitlement(stack, crypto, clock, "acc_1")
    assert (state["plan"], state["status"]) == ("free", "canceled")
    cancelled = [m for m in billing_mails(outbox) if m["template"] == "subscription_cancelled"]
    assert len(cancelled) == 1


async def test_deleted_after_updated_also_ends_canceled(stack, crypto, clock, stripe) -> None:
    sub = await subscribed(stack, crypto, clock, stripe)
    stripe.auto_deliver = False
    await stripe.fail_payment(sub["id"])
    await stripe.cancel(sub["id"])
    await stripe.flush(order="shuffled")
    assert (await entitlement(stack, crypto, clock, "acc_1"))["status"] == "canceled"


async def test_a_late_event_of_an_old_subscription_does_not_undo_a_new_one(stack, crypto, clock, stripe) -> None:
    old = await subscribed(stack, crypto, clock, stripe, plan="starter")
    stripe.auto_deliver = False
    await stripe.cancel(old["id"])
    old_deleted = stripe.pending.pop()
    stripe.auto_deliver = True
    body = json.dumps({"plan": "pro"}).encode()
    await stack.databases["billing"].run("UPDATE subscriptions SET status = 'canceled'")  # as if delivered
    response = await billing_call(stack, crypto, clock, "POST", "/api/v1/billing/checkout", body=body)
    await stripe.complete_checkout(response.json()["id"])
    assert await stripe.deliver(old_deleted) == 200
    state = await entitlement(stack, crypto, clock, "acc_1")
    assert (state["plan"], state["status"]) == ("pro", "active")


async def test_ignored_types_get_200(stack, stripe) -> None:
    event = stripe._emit("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"})
    assert await stripe.deliver(event) == 200
    assert stripe.deliveries[-1].status == 200


async def test_a_failed_processing_releases_the_claim_for_stripes_retry(stack, crypto, clock, stripe) -> None:
    completed = await paid_but_held(stack, crypto, clock, stripe)
    stripe.fail_next(1, 500, should_retry=False)  # the re-fetch fails
    assert await stripe.deliver(completed) == 503
    assert await processed(stack) == []
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "free"
    assert await stripe.deliver(completed) == 200  # Stripe's retry
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "pro"


async def test_not_an_event_is_400(stack, crypto, clock, stripe) -> None:
    deep = b"[" * 5000 + b"]" * 5000  # signed, yet refused before parsing (Pyodide's stack would overflow)
    for raw in (b"not json", b"[]", b'{"object": "event", "id": "x", "type": "t", "data": {"object": {}}}', deep):
        event = {"id": "evt_x", "type": "t"}
        assert await stripe.deliver(event, raw=raw) == 400


async def test_without_a_webhook_secret_nothing_is_processed(tmp_path, clock, crypto, stripe) -> None:
    from billing.app import Ports, bootstrap, settings_from
    from devstack.adapters import SqliteDatabase
    from devstack.migrations import apply
    from devstack.stack import ROOT, InProcessService
    from tests.billing.conftest import BILLING_VARS
    from tests.conftest import signed

    db = SqliteDatabase(tmp_path / "b.sqlite3")
    await apply(db, ROOT / "workers" / "billing" / "migrations")
    settings = settings_from({**BILLING_VARS, "STRIPE_WEBHOOK_SECRET": ""})
    app = bootstrap(settings, Ports(db=db, mailer=InProcessService(), http=stripe, clock=clock, crypto=crypto))
    headers = await signed(crypto, clock, "POST", WEBHOOK_PATH, body=b"{}")
    response = await app.handle(Request("POST", WEBHOOK_PATH, "", headers, b"{}"))
    assert (response.status, response.json()["error"]["code"]) == (500, "webhook_not_configured")
    db.close()


async def test_a_claim_left_by_a_killed_delivery_is_retried_not_lost(stack, crypto, clock, stripe) -> None:
    """The finding: a delivery killed mid-processing left its claim 'processing' and Stripe's retry
    got 200 "duplicate", so the event's effect never happened."""
    completed = await paid_but_held(stack, crypto, clock, stripe)
    # What kill -9 during processing leaves behind: the claim, and no effect.
    await stack.databases["billing"].run(
        "INSERT INTO processed_events (event_id, type, processed_at, state) VALUES (?, ?, ?, 'processing')",
        [completed["id"], completed["type"], clock.now()],
    )
    assert await stripe.deliver(completed) == 409  # not 2xx: Stripe keeps retrying
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "free"
    clock.advance(EVENT_CLAIM_SECONDS + 1)  # Stripe's next retry comes later; the claim is stale by then
    assert await stripe.deliver(completed) == 200
    assert (await entitlement(stack, crypto, clock, "acc_1"))["plan"] == "pro"
    assert await processed(stack) == [{"event_id": completed["id"], "state": "done"}]
    assert await stripe.deliver(completed) == 200  # done: a duplicate from now on
    assert stripe.deliveries[-1].status == 200


async def test_a_hanging_stripe_ends_a_webhook_in_time(tmp_path, crypto, clock, stripe, monkeypatch) -> None:
    monkeypatch.setattr("billing.app.PROVIDER_SECONDS", 0.1)
    built = await stack_module.build(tmp_path / "state", clock=clock, crypto=crypto, stripe=stripe)
    stripe.auto_deliver = False

    async def webhook(body: bytes, headers: dict[str, str]) -> int:
        return (await built.core.handle(Request("POST", WEBHOOK_PATH, "", headers, body))).status

    stripe.webhook = webhook
    body = json.dumps({"plan": "pro"}).encode()
    response = await billing_call(built, crypto, clock, "POST", "/api/v1/billing/checkout", body=body)
    await stripe.complete_checkout(response.json()["id"])
    completed = stripe.last_event("checkout.session.completed")
    stripe.hang_next(1)  # the re-fetch hangs
    assert await asyncio.wait_for(stripe.deliver(completed), 5) == 503
    assert await processed(built) == []  # the claim is released: the retry does the work
    assert await stripe.deliver(completed) == 200
    assert (await entitlement(built, crypto, clock, "acc_1"))["plan"] == "pro"
    built.close()
