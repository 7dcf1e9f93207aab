import hashlib
import hmac
import json
import subprocess
import sys
from urllib.parse import urlencode

import httpx
import pytest

from billing import signature
from devstack import ROOT
from devstack.stripe import API_VERSION, StripeStandin, _resources, decode_form, fixtures_path
from shared import plans
from shared.http import Request

KEY = "sk_test_local_standin"
BASE = "https://api.stripe.com"


def api(method: str, path: str, params: dict | None = None, key: str | None = None, **headers: str) -> Request:
    hdrs = {"authorization": f"Bearer {KEY}", "stripe-version": API_VERSION}
    hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
    body = b""
    query = ""
    if method == "POST":
        hdrs.setdefault("content-type", "application/x-www-form-urlencoded")
        body = urlencode(params or {}).encode()
    else:
        query = urlencode(params or {})
    if key:
        hdrs["idempotency-key"] = key
    return Request(method, BASE + path, query, hdrs, body)


def checkout_params(**extra: str) -> dict[str, str]:
    return {
        "mode": "subscription",
        "line_items[0][price]": plans.price_ids()["pro"],
        "line_items[0][quantity]": "1",
        "success_url": "http://portal.test/billing?checkout=success",
        "cancel_url": "http://portal.test/billing?checkout=cancelled",
        "client_reference_id": "acc_1",
        "subscription_data[metadata][account_id]": "acc_1",
        **extra,
    }


@pytest.fixture
def standin(clock) -> StripeStandin:
    return StripeStandin(clock=clock)


class Hook:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[bytes, dict[str, str]]] = []

    async def __call__(self, body: bytes, headers: dict[str, str]) -> int:
        self.received.append((body, headers))
        return self.status


async def test_an_api_key_is_required(standin) -> None:
    missing = await standin.fetch(Request("GET", BASE + "/v1/prices", headers={"stripe-version": API_VERSION}))
    assert missing.status == 401
    assert missing.json()["error"]["type"] == "invalid_request_error"
    wrong = await standin.fetch(api("GET", "/v1/prices", authorization="Bearer sk_test_wrong"))
    assert wrong.status == 401


async def test_a_stripe_version_is_required(standin) -> None:
    request = api("GET", "/v1/prices")
    no_version = request.replace(headers={k: v for k, v in request.headers.items() if k != "stripe-version"})
    assert (await standin.fetch(no_version)).status == 400
    assert (await standin.fetch(api("GET", "/v1/prices", stripe_version="latest"))).status == 400


async def test_bodies_must_be_form_encoded(standin) -> None:
    request = api("POST", "/v1/customers", key="k", content_type="application/json")
    request = request.replace(body=b'{"email": "a@example.com"}')
    assert (await standin.fetch(request)).status == 400


async def test_unknown_objects_are_resource_missing(standin) -> None:
    response = await standin.fetch(api("GET", "/v1/subscriptions/sub_nope"))
    assert response.status == 404
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "resource_missing", "id")
    assert "sub_nope" in error["message"]
    assert (await standin.fetch(api("GET", "/v1/nothing"))).status == 404


async def test_idempotency_keys_replay_or_refuse(standin) -> None:
    first = await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k1"))
    again = await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k1"))
    assert first.status == again.status == 200
    assert first.json()["id"] == again.json()["id"]
    assert again.header("idempotent-replayed") == "true"
    other = await standin.fetch(
        api("POST", "/v1/checkout/sessions", checkout_params(client_reference_id="acc_2"), key="k1")
    )
    assert other.status == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    assert len(standin.sessions) == 1


async def test_checkout_sessions_are_validated(standin) -> None:
    price = plans.price_ids()["pro"]
    cases = [
        ({k: v for k, v in checkout_params().items() if k != "success_url"}, "success_url"),
        ({k: v for k, v in checkout_params().items() if k != "mode"}, "mode"),
        (checkout_params(**{"line_items[0][price]": "price_nope"}), "line_items[0][price]"),
        (checkout_params(customer="cus_nope"), "customer"),
        (checkout_params(customer="cus_x", customer_email="a@example.com"), "customer"),
        (checkout_params(**{"line_items[0][quantity]": "0"}), "line_items[0][quantity]"),
        (checkout_params(**{"metadata[" + "k" * 41 + "]": "v"}), "metadata[" + "k" * 41 + "]"),
    ]
    for params, param in cases:
        response = await standin.fetch(api("POST", "/v1/checkout/sessions", params, key=f"k-{param}"))
        assert response.status in (400, 404), params
        assert response.json()["error"]["param"] == param
    assert standin.sessions == {}
    assert price in standin.prices


async def test_objects_have_stripes_shapes(standin, clock) -> None:
    response = await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k"))
    session = response.json()
    assert set(_resources(fixtures_path())["checkout.session"]) <= set(session)
    assert session["object"] == "checkout.session"
    assert session["id"].startswith("cs_test_")
    assert session["url"] == f"http://127.0.0.1:8789/checkout/{session['id']}"
    await standin.complete_checkout(session["id"], email="a@example.com")
    sub = next(iter(standin.subscriptions.values()))
    assert set(_resources(fixtures_path())["subscription"]) <= set(sub)
    item = sub["items"]["data"][0]
    assert item["current_period_end"] == int(clock.now()) + 30 * 86400
    assert item["price"]["id"] == plans.price_ids()["pro"]
    assert sub["metadata"] == {"account_id": "acc_1"}
    fetched = await standin.fetch(api("GET", f"/v1/subscriptions/{sub['id']}"))
    assert fetched.json() == sub


async def test_events_have_the_envelope_and_stripes_signature(standin, clock, crypto) -> None:
    hook = Hook()
    standin.webhook = hook
    session = (await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k"))).json()
    events = await standin.complete_checkout(session["id"])
    assert [e["type"] for e in events] == [
        "customer.created",
        "customer.subscription.created",
        "invoice.paid",
        "checkout.session.completed",
    ]
    assert len(hook.received) == 4
    body, headers = hook.received[-1]
    event = json.loads(body)
    assert event["id"].startswith("evt_")
    assert (event["object"], event["api_version"], event["livemode"]) == ("event", API_VERSION, False)
    assert event["created"] == int(clock.now())
    assert {"pending_webhooks", "request", "data", "type"} <= set(event)
    assert event["data"]["object"]["status"] == "complete"
    t, v1 = (part.split("=", 1)[1] for part in headers["stripe-signature"].split(","))
    expected = hmac.new(standin.webhook_secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert v1 == expected
    await signature.verify(crypto, clock, standin.webhook_secret, headers["stripe-signature"], body)
    invoice = events[2]["data"]["object"]
    assert invoice["parent"]["subscription_details"]["subscription"] == events[1]["data"]["object"]["id"]


async def test_held_events_go_out_of_order_and_twice_on_demand(standin) -> None:
    hook = Hook()
    standin.webhook = hook
    standin.auto_deliver = False
    session = (await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k"))).json()
    emitted = await standin.complete_checkout(session["id"])
    assert hook.received == []
    assert await standin.flush(order="reversed") == [200] * 4
    assert [json.loads(b)["id"] for b, _ in hook.received] == [e["id"] for e in reversed(emitted)]
    assert standin.pending == []
    assert await standin.deliver_concurrently(emitted[0], times=2) == [200, 200]


async def test_a_refused_delivery_stays_pending(standin) -> None:
    standin.webhook = Hook(status=500)
    standin.auto_deliver = False
    session = (await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k"))).json()
    await standin.complete_checkout(session["id"])
    await standin.flush()
    assert len(standin.pending) == 4


async def test_payment_failure_and_cancellation(standin) -> None:
    standin.webhook = Hook()
    session = (await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k"))).json()
    await standin.complete_checkout(session["id"])
    sub_id = next(iter(standin.subscriptions))
    failed = await standin.fail_payment(sub_id)
    assert [e["type"] for e in failed] == ["invoice.payment_failed", "customer.subscription.updated"]
    assert standin.subscriptions[sub_id]["status"] == "past_due"
    assert failed[0]["data"]["object"]["status"] == "open"
    # Cancel through the API, as a dashboard would: the event is delivered after the call returns.
    response = await standin.fetch(api("DELETE", f"/v1/subscriptions/{sub_id}"))
    assert response.json()["status"] == "canceled"
    await standin.settle()
    assert standin.deliveries[-1].type == "customer.subscription.deleted"
    again = await standin.fetch(api("DELETE", f"/v1/subscriptions/{sub_id}"))
    assert again.status == 400


async def test_fail_next_answers_like_stripe(standin) -> None:
    standin.fail_next(1, 503, should_retry=False)
    response = await standin.fetch(api("GET", "/v1/prices"))
    assert (response.status, response.header("stripe-should-retry")) == (503, "false")
    standin.fail_next(1, 0)
    with pytest.raises(ConnectionError):
        await standin.fetch(api("GET", "/v1/prices"))
    assert (await standin.fetch(api("GET", "/v1/prices"))).status == 200


async def test_the_hosted_checkout_page_pays(standin) -> None:
    hook = Hook()
    standin.webhook = hook
    session = (await standin.fetch(api("POST", "/v1/checkout/sessions", checkout_params(), key="k"))).json()
    from devstack.stripe import asgi_app

    transport = httpx.ASGITransport(app=asgi_app(standin))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8789") as client:
        page = await client.get(f"/checkout/{session['id']}")
        assert page.status_code == 200
        assert "Pay</button>" in page.text
        assert "29.00 EUR" in page.text
        paid = await client.post(f"/checkout/{session['id']}/pay", data={"email": "bo@example.com"})
        assert paid.status_code == 303
        assert paid.headers["location"] == session["success_url"]
        assert standin.sessions[session["id"]]["status"] == "complete"
        assert len(hook.received) == 4
        customer = next(iter(standin.customers.values()))
        assert customer["email"] == "bo@example.com"
        # The API over HTTP too.
        served = await client.get(
            "/v1/prices", headers={"authorization": f"Bearer {KEY}", "stripe-version": API_VERSION}
        )
        assert served.json()["object"] == "list"
        portal = (
            await standin.fetch(api("POST", "/v1/billing_portal/sessions", {"customer": customer["id"]}, key="p"))
        ).json()
        sub_id = next(iter(standin.subscriptions))
        assert "Cancel now" in (await client.get(f"/portal/{portal['id']}")).text
        cancelled = await client.post(f"/portal/{portal['id']}/cancel/{sub_id}")
        assert cancelled.status_code == 303
        assert standin.subscriptions[sub_id]["status"] == "canceled"


def test_decode_form_builds_nested_params() -> None:
    assert decode_form("a[b][0][c]=1&a[b][1][c]=2&e[]=x&e[]=y&f=") == {
        "a": {"b": [{"c": "1"}, {"c": "2"}]},
        "e": ["x", "y"],
        "f": "",
    }


def test_the_command_line_entry_point_exists() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devstack.stripe", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--webhook-url" in done.stdout


async def test_each_plan_has_a_monthly_and_a_yearly_price_in_stripes_shape() -> None:
    standin = StripeStandin()
    listed = (await standin.fetch(api("GET", "/v1/prices"))).json()["data"]
    by_id = {price["id"]: price for price in listed}
    fixture = _resources(fixtures_path())["price"]
    for (plan_id, interval), price_id in plans.prices().items():
        price = by_id[price_id]
        assert set(price) == set(fixture)  # Stripe's own shape, nothing added or missing
        assert price["recurring"]["interval"] == interval
        assert set(price["recurring"]) == set(fixture["recurring"])
        assert price["unit_amount"] == plans.BY_ID[plan_id].price_eur(interval) * 100
        assert price["type"] == "recurring"
