"""The downgrade timeline (docs/billing.md, "Downgrade policy"), run as the scheduled job would,
with the clock moved: the mail on the day of the downgrade, the reminder 3 days before the custom
domains stop, each once; on day 14 customer is asked to cut the custom domains over, until it
confirms; resubscribing ends the timeline."""

from __future__ import annotations

import json
from typing import Any

from billing.app import Ports, downgrade_timeline, settings_from
from billing.downgrades import DAY
from devstack.stack import Stack
from devstack.stripe import StripeStandin
from shared import internal, internal_auth
from shared.http import Request, Response
from tests.billing.conftest import BILLING_VARS
from tests.billing.test_checkout import checkout
from tests.conftest import SECRET, FakeClock


class Mailer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def fetch(self, request: Request) -> Response:
        self.sent.append(json.loads(request.body))
        return Response(202)


async def test_a_cancelled_pro_account_gets_each_mail_of_the_timeline_once(
    stack: Stack, crypto, clock: FakeClock, stripe: StripeStandin
) -> None:
    db = stack.databases["billing"]
    mailer = Mailer()
    ports = Ports(db=db, mailer=mailer, http=stripe, clock=clock, crypto=crypto)
    timeline = downgrade_timeline(settings_from(BILLING_VARS), ports)  # what the scheduled handler calls
    session = (await checkout(stack, crypto, clock, {"plan": "pro"})).json()
    await stripe.complete_checkout(session["id"])
    assert (await timeline.run(clock.now()))["started"] == 0  # paying: nothing to do
    (sub,) = stripe.subscriptions.values()
    await stripe.cancel(sub["id"])
    downgraded = clock.now()

    assert (await timeline.run(clock.now()))["notices"] == 1
    (notice,) = mailer.sent
    assert (notice["template"], notice["to"]) == ("plan_downgraded", "ada@example.com")
    assert notice["data"]["plan"] == "Pro"
    assert notice["idempotency_key"] == f"downgrade/{sub['id']}/notice"
    clock.advance(DAY)
    assert await timeline.run(clock.now()) == {"started": 0, "notices": 0, "reminders": 0, "cut_over": 0, "ended": 0}

    clock.advance(downgraded + 11 * DAY - clock.now())  # 3 days before the 14-day domain window closes
    assert (await timeline.run(clock.now()))["reminders"] == 1
    assert mailer.sent[-1]["template"] == "domains_ending"
    assert mailer.sent[-1]["data"]["domains_until"] == notice["data"]["domains_until"]
    clock.advance(2 * DAY)
    await timeline.run(clock.now())
    assert [m["template"] for m in mailer.sent] == ["plan_downgraded", "domains_ending"]

    # Subscribing again ends the timeline.
    again = (await checkout(stack, crypto, clock, {"plan": "starter"})).json()
    await stripe.complete_checkout(again["id"])
    assert (await timeline.run(clock.now()))["ended"] == 1
    assert await db.all("SELECT * FROM downgrades") == []


class Customer:
    """Customer's cut-over route as billing sees it: checks the signature, answers `status`."""

    def __init__(self, crypto: Any, clock: FakeClock) -> None:
        self.crypto, self.clock = crypto, clock
        self.asked: list[tuple[str, internal_auth.Identity]] = []
        self.status = 200

    async def fetch(self, request: Request) -> Response:
        await internal_auth.verify(self.crypto, self.clock, SECRET, request)
        self.asked.append((f"{request.method} {request.path}", internal.identity_of(request)))
        return Response(self.status, [], b'{"domains_cut_over": 1}')


async def test_on_day_14_customer_is_asked_to_cut_the_domains_over_until_it_confirms(
    stack: Stack, crypto, clock: FakeClock, stripe: StripeStandin
) -> None:
    db = stack.databases["billing"]
    customer = Customer(crypto, clock)
    ports = Ports(db=db, mailer=Mailer(), http=stripe, clock=clock, crypto=crypto, customer=customer)
    timeline = downgrade_timeline(settings_from(BILLING_VARS), ports)
    session = (await checkout(stack, crypto, clock, {"plan": "pro"})).json()
    await stripe.complete_checkout(session["id"])
    (sub,) = stripe.subscriptions.values()
    await stripe.cancel(sub["id"])
    downgraded = clock.now()
    await timeline.run(clock.now())
    clock.advance(11 * DAY)
    await timeline.run(clock.now())
    clock.advance(3 * DAY - 60)  # a minute before the window closes
    assert (await timeline.run(clock.now()))["cut_over"] == 0
    assert customer.asked == []

    clock.advance(60)
    customer.status = 503  # customer down (or a site being published: 409): asked again next run
    assert (await timeline.run(clock.now()))["cut_over"] == 0
    customer.status = 200
    clock.advance(3600)
    assert (await timeline.run(clock.now()))["cut_over"] == 1
    ((route, identity),) = set(customer.asked)
    account = (await db.all("SELECT account_id FROM downgrades"))[0]["account_id"]
    assert route == f"POST /internal/accounts/{account}/domains/cut-over"
    assert (identity.account_id, identity.caller) == (account, "billing")
    (row,) = await db.all("SELECT downgraded_at, domains_cut_at FROM downgrades")
    assert row["domains_cut_at"] >= downgraded + 14 * DAY
    clock.advance(DAY)
    assert (await timeline.run(clock.now()))["cut_over"] == 0  # done once
    assert len(customer.asked) == 2
