"""Billing end to end on the lane: the paywall, Stripe's hosted checkout (the stand-in, over HTTP),
signed webhooks through core to billing, and refused deliveries. Paying opens the paywall in every
test here (tests/lane/client.py: subscribed); the subscription's state after it, in process
(tests/billing/test_flow.py)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import pytest

from shared import plans
from tests import loopback
from tests.lane.client import PASSWORD, PortalClient, may_add_domains, signed_delivery, signed_in, subscribed
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane


def test_the_same_event_twice_at_once_is_processed_once(lane: Lane) -> None:
    event = {
        "id": "evt_lane_duplicate_1",
        "object": "event",
        "type": "customer.created",
        "created": int(time.time()),
        "api_version": "2025-03-31.basil",
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": "cus_lane", "object": "customer"}},
    }
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: signed_delivery(lane, event), range(2)))
    # One does the work; the other finds it done (200 duplicate) or still in flight (409: Stripe
    # retries it, so the event is not lost should the first delivery die).
    assert sorted(r.status_code for r in replies)[0] == 200
    done = [r for r in replies if r.status_code == 200]
    assert [bool(r.json().get("duplicate")) for r in done].count(False) == 1
    assert all(r.status_code == 200 or r.json()["error"]["code"] == "event_in_progress" for r in replies)


@pytest.mark.parametrize(("age", "secret"), [(0, "whsec_not_the_right_secret"), (301, None)])
def test_a_bad_or_old_signature_is_400(lane: Lane, age: int, secret: str | None) -> None:
    event = {
        "id": f"evt_lane_refused_{age}",
        "object": "event",
        "type": "customer.created",
        "created": 0,
        "data": {"object": {}},
    }
    assert signed_delivery(lane, event, age, secret).status_code == 400
    # Refused deliveries leave nothing behind: the same id, properly signed, is still new.
    fresh = signed_delivery(lane, event)
    assert fresh.status_code == 200
    assert not fresh.json().get("duplicate")


def portal_action(lane: Lane, browser: PortalClient, action: str) -> str:
    """Presses a button on the stand-in's hosted billing portal; returns the subscription id."""
    url = browser.post("/api/v1/billing/portal").json()["url"]
    page = loopback.get(url, timeout=30).text
    form = re.search(rf'action="(/portal/[^"/]+/{action}/(sub_[^"]+))"', page)
    assert form is not None, page
    loopback.post(lane.stripe + form.group(1), timeout=60)
    return form.group(2)


def wait_for(check, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.3)


def test_payment_failure_mails_and_keeps_the_plan_then_cancellation_downgrades(lane: Lane) -> None:
    email = "lane-dunning@example.com"
    browser = subscribed(lane, email)
    state = lambda: browser.call("GET", "/api/v1/billing/subscription").json()  # noqa: E731

    portal_action(lane, browser, "fail_payment")
    wait_for(lambda: state()["status"] == "past_due")
    assert state()["plan"] == "starter"  # the grace period (docs/billing.md)
    assert state()["grace_until"] is not None
    assert any(m["template"] == "payment_failed" and m["to"] == email for m in browser.outbox())
    assert may_add_domains(browser)

    subscription = portal_action(lane, browser, "cancel")
    wait_for(lambda: state()["plan"] == "free")
    assert not may_add_domains(browser)
    assert browser.call("GET", "/api/v1/domains").status_code == 200  # still sees (and may remove) them

    # A late `updated` saying "active" after `deleted`: billing asks Stripe, which says canceled.
    stale = {
        "id": "evt_lane_stale_update",
        "object": "event",
        "type": "customer.subscription.updated",
        "created": int(time.time()) - 3600,
        "api_version": "2025-03-31.basil",
        "livemode": False,
        "data": {"object": {"id": subscription, "object": "subscription", "status": "active"}},
    }
    assert signed_delivery(lane, stale).status_code == 200
    assert (state()["plan"], state()["status"]) == ("free", "canceled")


def test_the_crm_learns_of_the_sign_up_then_of_the_payment_through_its_queue(lane: Lane) -> None:
    """Mailer's CRM queue on Miniflare's broker: the contact arrives with its attribution, survives a
    HubSpot outage (retried with backoff), and becomes a customer at the first payment."""
    email = "lane-crm@example.com"
    loopback.post(f"{lane.hubspot}/_standin/faults", json={"down": True}, timeout=30)
    browser = PortalClient(lane.core)
    link = {"plan": "pro", "utm_source": "hubspot", "utm_campaign": "lane-spring", "landing_page": "/pricing"}
    signup = browser.post("/api/v1/auth/signup", {"email": email, "password": PASSWORD, "attribution": link})
    assert signup.status_code == 202
    assert browser.post("/api/v1/auth/verify", {"token": browser.last_token("verify_email", email)}).status_code == 200
    time.sleep(2)  # at least one refused attempt while HubSpot is down
    assert lane.crm_contact(email) is None
    loopback.post(f"{lane.hubspot}/_standin/faults", json={"down": False}, timeout=30)
    wait_for(lambda: lane.crm_contact(email) is not None, 60)
    properties = lane.crm_contact(email)["properties"]  # type: ignore[index]
    assert (properties["utm_source"], properties["utm_campaign"]) == ("hubspot", "lane-spring")
    assert (properties["smartpages_entry_plan"], properties["smartpages_landing_page"]) == ("pro", "/pricing")
    assert "lifecyclestage" not in properties

    checkout = browser.post("/api/v1/billing/checkout", {"plan": "pro"})
    page = loopback.get(checkout.json()["url"], timeout=30)
    action = re.search(r'action="([^"]+/pay)"', page.text)
    assert action is not None
    loopback.post(lane.stripe + action.group(1), timeout=60)
    wait_for(lambda: (lane.crm_contact(email) or {}).get("properties", {}).get("lifecyclestage") == "customer", 60)


def test_deleting_the_account_deletes_the_crm_contact_through_the_queue(lane: Lane) -> None:
    """Issue 29: deletion left the HubSpot contact though no database held the address any more."""
    email = "lane-crm-gone@example.com"
    browser = signed_in(lane, email)
    wait_for(lambda: lane.crm_contact(email) is not None, 60)
    asked = browser.call("DELETE", "/api/v1/account", {"password": PASSWORD})
    assert asked.status_code == 200, asked.text
    # 14 days to change her mind (docs/accounts.md); core's Cron on day 15 deletes, through its queue.
    later = asked.json()["deletes_at"] + 86400
    assert (
        loopback.post(f"{lane.admin}/scheduled/core", params={"time": f"{later:.0f}"}, timeout=120).status_code == 200
    )
    wait_for(lambda: lane.crm_contact(email) is None, 60)


def test_a_plan_switch_starter_to_pro_and_back_shows_the_proration_and_follows_the_webhook(lane: Lane) -> None:
    browser = subscribed(lane, "lane-switch@example.com")  # Starter, paid

    def entitled(plan: str) -> bool:
        state = browser.call("GET", "/api/v1/billing/subscription").json()
        return bool(state["plan"] == plan and state["entitlements"] == asdict(plans.get(plan).entitlements))

    assert entitled("starter")
    up = browser.post("/api/v1/billing/plan/preview", {"plan": "pro"})
    assert up.status_code == 200, up.text
    preview = up.json()
    assert preview["plan"] == "pro"
    assert preview["proration_amount"] > 0  # the rest of the period on Pro, less Starter's unused part
    assert preview["next_charge_at"] > time.time() - 60
    assert any(line["amount"] < 0 for line in preview["lines"])  # Starter's unused time, credited
    switched = browser.post("/api/v1/billing/plan", {"plan": "pro", "proration_date": preview["proration_date"]})
    assert (switched.status_code, switched.json()["plan"]) == (200, "pro")
    wait_for(lambda: entitled("pro"))  # Stripe's customer.subscription.updated, through core to billing

    down = browser.post("/api/v1/billing/plan/preview", {"plan": "starter"}).json()
    assert down["proration_amount"] < 0  # a credit on the next invoice
    stale = browser.post("/api/v1/billing/plan", {"plan": "starter", "proration_date": down["proration_date"] - 7200})
    assert (stale.status_code, stale.json()["error"]["code"]) == (400, "invalid_field")
    assert entitled("pro")  # a refused switch changes nothing
    back = browser.post("/api/v1/billing/plan", {"plan": "starter", "proration_date": down["proration_date"]})
    assert back.status_code == 200, back.text
    wait_for(lambda: entitled("starter"))
