"""The whole product path through core's gateway, as a browser and Stripe drive it."""

from billing.entitlements import GRACE_SECONDS
from devstack.stripe import StripeStandin
from tests.billing.conftest import Browser, Outbox
from tests.conftest import error_code
from tests.core.conftest import deleted_for_good, run_core_cron, signed_up

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
    assert deleted.status == 200, deleted.body
    assert stripe.subscriptions[sub["id"]]["status"] == "canceled"  # at once: no more charges
    # The 14-day window: the account and billing's row wait (on no plan) in case she signs in again.
    (row,) = await stack.databases["billing"].all("SELECT status FROM subscriptions")
    assert row["status"] == "canceled"
    assert len(await stack.databases["core"].all("SELECT * FROM accounts")) == 1
    await run_core_cron(stack, deleted.json()["deletes_at"] + 1)
    assert await stack.databases["billing"].all("SELECT * FROM subscriptions") == []
    assert await stack.databases["core"].all("SELECT * FROM accounts") == []


async def test_a_late_cancellation_webhook_does_not_bring_the_account_back(browser, outbox, stripe, stack) -> None:
    """The finding: the cancellation a deletion causes re-created billing's row with the customer id."""
    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe, plan="pro")
    stripe.auto_deliver = False  # Stripe's cancellation event arrives after the deletion finished
    await deleted_for_good(browser)
    assert await stripe.flush() == [200]  # customer.subscription.deleted, late
    for event in [e for e in stripe.events if e["type"].startswith(("checkout.", "customer.subscription."))]:
        assert await stripe.deliver(event) == 200  # every earlier event redelivered, too
    billing = stack.databases["billing"]
    leftovers = await billing.all(
        "SELECT * FROM subscriptions WHERE email = ? OR stripe_customer_id = ?", [EMAIL, sub["customer"]]
    )
    assert leftovers == []


async def test_if_stripe_cannot_cancel_nothing_is_deleted(browser, outbox, stripe, stack) -> None:
    await signed_up(browser, outbox, EMAIL)
    await subscribe(browser, stripe)
    stripe.fail_next(5, 500)
    refused = await browser.call("DELETE", "/api/v1/account", {"password": "correct horse battery staple"})
    assert (refused.status, error_code(refused)) == (502, "delete_failed")
    assert len(await stack.databases["core"].all("SELECT * FROM accounts")) == 1
    assert (await browser.call("GET", "/api/v1/account")).status == 200


async def test_back_from_checkout_without_the_webhook_the_plan_is_active(browser, outbox, stripe) -> None:
    """The finding: paid but still Free when the webhook never arrives."""
    await signed_up(browser, outbox, EMAIL)
    stripe.auto_deliver = False  # the webhooks are lost
    started = await browser.post("/api/v1/billing/checkout", {"plan": "pro"})
    session = stripe.sessions[started.json()["id"]]
    assert session["success_url"].endswith(f"session_id={session['id']}")  # Stripe filled it in
    await stripe.complete_checkout(session["id"])
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["plan"] == "free"
    confirmed = await browser.post("/api/v1/billing/checkout/confirm", {"session_id": session["id"]})
    assert confirmed.status == 200, confirmed.body
    assert (confirmed.json()["plan"], confirmed.json()["checkout_status"]) == ("pro", "complete")
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["plan"] == "pro"
    # The late webhooks change nothing more and mail nothing twice.
    assert set(await stripe.flush()) == {200}
    assert [m["template"] for m in outbox.sent if m["to"] == EMAIL].count("subscription_activated") == 1


async def test_another_accounts_checkout_cannot_be_confirmed(browser, outbox, stripe) -> None:
    await signed_up(browser, outbox, EMAIL)
    started = await browser.post("/api/v1/billing/checkout", {"plan": "pro"})
    other = Browser(browser.stack)
    await signed_up(other, outbox, "eve@example.com")
    refused = await other.post("/api/v1/billing/checkout/confirm", {"session_id": started.json()["id"]})
    assert (refused.status, error_code(refused)) == (404, "checkout_not_found")


async def test_the_scheduled_reconcile_catches_up_with_lost_webhooks(browser, outbox, stripe, stack, clock) -> None:
    from billing.app import bootstrap_job

    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe, plan="pro")
    stripe.auto_deliver = False  # from now on every webhook is lost
    await stripe.cancel(sub["id"])
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["status"] == "active"
    job = bootstrap_job(stack.settings["billing"], stack.ports["billing"])
    ran = await job("17 * * * *", clock.now())
    assert ran == {
        "subscriptions_synced": 1,
        "subscriptions_failed": 0,
        "checkouts_settled": 0,
        "checkouts_failed": 0,
    } | {
        "downgrades_accounts": 1,
        "downgrades_started": 1,  # the same run starts the downgrade timeline the lost webhook would have
        "downgrades_notices": 1,
        "downgrades_reminders": 0,
        "downgrades_cut_over": 0,
        "downgrades_ended": 0,
        "retention_processed_events": 0,
    }
    assert [m["template"] for m in outbox.sent if m["to"] == EMAIL][-1] == "plan_downgraded"
    state = (await browser.call("GET", "/api/v1/billing/subscription")).json()
    assert (state["plan"], state["status"]) == ("free", "canceled")
    stripe.fail_next(5, 500)
    ran = await job("17 * * * *", clock.now())
    assert (ran["subscriptions_synced"], ran["subscriptions_failed"], ran["downgrades_notices"]) == (0, 1, 0)


async def test_a_paid_checkout_whose_webhooks_are_all_lost_becomes_paid_at_the_next_reconcile(
    browser, outbox, stripe, stack, clock
) -> None:
    # Before: the account stayed Free unless the owner came back to the confirmation page.
    from billing.app import bootstrap_job
    from billing.reconcile import CHECKOUT_GRACE_SECONDS

    await signed_up(browser, outbox, EMAIL)
    stripe.auto_deliver = False  # every webhook of this checkout is lost; she closes the tab after paying
    response = await browser.post("/api/v1/billing/checkout", {"plan": "pro", "attribution": {}})
    (session,) = [s for s in stripe.sessions.values() if s["url"] == response.json()["url"]]
    await stripe.complete_checkout(session["id"])
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["plan"] == "free"
    job = bootstrap_job(stack.settings["billing"], stack.ports["billing"])
    ran = await job("17 * * * *", clock.now())
    assert ran["checkouts_settled"] == 0  # within the grace period the webhook or the return page may still come
    clock.advance(CHECKOUT_GRACE_SECONDS + 1)
    ran = await job("17 * * * *", clock.now())
    assert (ran["checkouts_settled"], ran["checkouts_failed"]) == (1, 0)
    state = (await browser.call("GET", "/api/v1/billing/subscription")).json()
    assert (state["plan"], state["status"]) == ("pro", "active")
    assert (await job("17 * * * *", clock.now()))["checkouts_settled"] == 0  # settled once
    await stripe.flush()  # the lost webhooks turn up after all: nothing changes
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["plan"] == "pro"


async def test_an_abandoned_checkout_is_dropped_after_stripe_expires_it(browser, outbox, stripe, stack, clock) -> None:
    from billing.app import bootstrap_job
    from billing.reconcile import CHECKOUT_LIFETIME_SECONDS

    await signed_up(browser, outbox, EMAIL)
    await browser.post("/api/v1/billing/checkout", {"plan": "pro", "attribution": {}})
    job = bootstrap_job(stack.settings["billing"], stack.ports["billing"])
    clock.advance(CHECKOUT_LIFETIME_SECONDS + 1)
    await job("17 * * * *", clock.now())
    rows = await stack.databases["billing"].all("SELECT pending_checkout FROM subscriptions")
    assert [r["pending_checkout"] for r in rows] == [None]
    assert (await browser.call("GET", "/api/v1/billing/subscription")).json()["plan"] == "free"


async def test_after_deletion_and_a_late_webhook_no_personal_data_remains(browser, outbox, stripe, stack) -> None:
    """The finding: the cancellation webhook re-created billing's row; the mailer kept the mail log."""
    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe, plan="pro")
    account_id = (await browser.call("GET", "/api/v1/account")).json()["account"]["id"]
    site = await browser.post("/api/v1/sites", {"name": "Ada's Bakery"})
    assert site.status == 201, site.body
    assert (await browser.post(f"/api/v1/sites/{site.json()['id']}/publish", {})).status == 201
    stripe.auto_deliver = False
    await deleted_for_good(browser)
    await stripe.flush()  # the late cancellation
    personal = (EMAIL, account_id, sub["customer"], sub["id"])
    found = []
    for worker, db in stack.databases.items():
        tables = [r["name"] for r in await db.all("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in await db.all(f"SELECT * FROM {table}"):  # noqa: S608
                text = repr(row)
                found += [(worker, table, p) for p in personal if p in text]
    # Kept on purpose (docs/accounts.md): the opaque account id in billing's deleted_accounts, so a
    # late Stripe event cannot bring the row back.
    assert found == [("billing", "deleted_accounts", account_id)]
    assert stack.blobs is not None
    assert await stack.blobs.list(f"sites/{site.json()['id']}/") == []


async def test_the_export_holds_everything_about_the_account(browser, outbox, stripe, stack) -> None:
    import base64

    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe, plan="pro")
    site = (await browser.post("/api/v1/sites", {"name": "Ada's Bakery"})).json()
    assert (await browser.post(f"/api/v1/sites/{site['id']}/publish", {})).status == 201
    reply = await browser.call("GET", "/api/v1/account/export")
    assert reply.status == 200, reply.body
    assert reply.header("content-disposition").startswith("attachment")
    data = reply.json()
    assert data["account"]["email"] == EMAIL
    assert data["billing"]["subscription"]["stripe_customer_id"] == sub["customer"]
    (exported,) = data["sites"]["sites"]
    assert exported["site"]["name"] == "Ada's Bakery"
    assert [p["title"] for p in exported["pages"]] == ["Home"]
    live = exported["versions"][0]["manifest"]
    home_sha = live["files"]["/"][0]
    assert b"Bakery" in base64.b64decode(exported["files"][home_sha]["base64"])
    assert {m["template"] for m in data["mail"]["emails"]} >= {"verify_email", "subscription_activated"}
    assert data["sessions"]


async def test_the_downgrade_timeline_on_a_moved_clock_ends_with_the_domain_cut_over(
    browser, outbox, stripe, stack, clock
) -> None:
    """Pro with a live site on a custom domain, cancelled; billing's hourly job on days 0, 11 and
    14: the two mails, then the domain redirects (302) to the site's own address."""
    from billing.app import bootstrap_job
    from billing.downgrades import DAY
    from tests.customer.conftest import published_page
    from tests.customer.test_domains import later

    await signed_up(browser, outbox, EMAIL)
    sub = await subscribe(browser, stripe, plan="pro")
    site = (await browser.call("POST", "/api/v1/sites", {"name": "Bakery Rosa"})).json()
    assert (await browser.call("POST", f"/api/v1/sites/{site['id']}/publish", {})).status == 201
    added = await browser.call("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "shop.example.net"})
    assert added.status == 201, added.body
    stack.cloudflare.activate("shop.example.net")
    assert (await browser.call("POST", "/api/v1/domains/shop.example.net/refresh", {})).json()["status"] == "active"
    later(stack)
    assert (await published_page(stack, "shop.example.net")).status == 200

    await stripe.cancel(sub["id"])
    job = bootstrap_job(stack.settings["billing"], stack.ports["billing"])
    mails = lambda: [m["template"] for m in outbox.sent if m["to"] == EMAIL]  # noqa: E731
    before = len(mails())
    assert (await job("17 * * * *", clock.now()))["downgrades_notices"] == 1
    clock.advance(11 * DAY)
    assert (await job("17 * * * *", clock.now()))["downgrades_reminders"] == 1
    later(stack)
    assert (await published_page(stack, "shop.example.net")).status == 200  # still serving on day 11
    clock.advance(3 * DAY)
    ran = await job("17 * * * *", clock.now())
    assert (ran["downgrades_cut_over"], ran["downgrades_notices"], ran["downgrades_reminders"]) == (1, 0, 0)
    later(stack)
    cut = await published_page(stack, "shop.example.net", "/?utm_source=card")
    assert (cut.status, cut.header("location")) == (302, f"http://{site['default_host']}:8788/?utm_source=card")
    assert (await published_page(stack, str(site["default_host"]))).status == 200
    assert (await job("17 * * * *", clock.now()))["downgrades_cut_over"] == 0
    assert mails()[before:] == ["plan_downgraded", "domains_ending"]  # the policy mails nothing on day 14
