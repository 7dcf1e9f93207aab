"""The downgrade timeline (docs/billing.md, "Downgrade policy"), run as the scheduled job would,
with the clock moved: the mail on the day of the downgrade, the reminder 3 days before the custom
domains stop, each once; resubscribing ends the timeline."""

from __future__ import annotations

import json
from typing import Any

from billing.app import BillingDeps, downgrade_timeline
from billing.downgrades import DAY
from devstack.stack import Stack
from devstack.stripe_standin import StripeStandin
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
    deps = BillingDeps(db, mailer, stripe, clock, crypto, SECRET, portal_origin=BILLING_VARS["PORTAL_ORIGIN"])
    timeline = downgrade_timeline(deps)  # what the scheduled handler calls
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
