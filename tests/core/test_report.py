"""The operator report: sign-ups, verified accounts, checkouts and paying customers by source,
campaign and plan, over a date range, behind OPERATOR_TOKEN, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from devstack.stack import Stack
from devstack.stripe import StripeStandin
from shared.http import Request
from tests.billing.conftest import stack, stripe  # noqa: F401 (the stack with the Stripe stand-in)
from tests.conftest import FakeClock, error_code
from tests.core.conftest import PASSWORD, Browser, Outbox, signed_up

TOKEN = "local-operator-token-change-me"  # workers/core/.dev.vars.example


def signup(email: str) -> dict[str, Any]:
    """A sign-up from HubSpot's spring campaign, for the Pro plan."""
    attribution = {"utm_source": "hubspot", "utm_campaign": "spring", "plan": "pro"}
    return {"email": email, "password": PASSWORD, "attribution": attribution}


async def report(on: Stack, query: str, token: str = TOKEN):
    return await on.core.handle(Request("GET", "/api/v1/operator/report", query, {"authorization": f"Bearer {token}"}))


async def test_the_report_counts_each_step_by_channel(
    stack: Stack,  # noqa: F811 (the fixture imported above)
    outbox: Outbox,
    stripe: StripeStandin,  # noqa: F811
    clock: FakeClock,
) -> None:
    paying = Browser(stack, address="198.51.100.1")
    await paying.post("/api/v1/auth/signup", signup("p@example.com"))
    await paying.post("/api/v1/auth/verify", {"token": outbox.last_token("verify_email", "p@example.com")})
    session = (await paying.post("/api/v1/billing/checkout", {"plan": "pro"})).json()
    await stripe.complete_checkout(session["id"])
    unverified = Browser(stack, address="198.51.100.2")
    await unverified.post("/api/v1/auth/signup", signup("u@example.com"))
    await signed_up(Browser(stack, address="198.51.100.3"), outbox, "direct@example.com")

    day = f"{datetime.fromtimestamp(clock.now(), UTC):%Y-%m-%d}"
    answer = await report(stack, f"from={day}&to={day}")
    assert answer.status == 200, answer.body
    assert answer.json()["rows"] == [
        {
            "utm_source": "hubspot",
            "utm_campaign": "spring",
            "plan": "pro",
            "signups": 2,
            "verified": 1,
            "checkouts": 1,
            "paying": 1,
        },
        {"utm_source": "", "utm_campaign": "", "plan": "", "signups": 1, "verified": 1, "checkouts": 0, "paying": 0},
    ]
    sheet = await report(stack, f"from={day}&to={day}&format=csv")
    assert sheet.header("content-type") == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(sheet.body.decode())))[1] == ["hubspot", "spring", "pro", "2", "1", "1", "1"]
    assert (await report(stack, "from=2020-01-01&to=2020-01-31")).json()["rows"] == []

    refused = await report(stack, f"from={day}&to={day}", token="wrong")
    assert (refused.status, error_code(refused)) == (401, "operator_token_required")
    bad = await report(stack, "from=yesterday&to=2020-01-01")
    assert (bad.status, error_code(bad)) == (400, "invalid_field")


async def test_the_csv_quotes_every_field_and_neutralises_formulas(
    stack: Stack,  # noqa: F811
    clock: FakeClock,
) -> None:
    """Issue 23, L3: the report's CSV escaped nothing; a campaign link chose what its cells said."""
    link = {"utm_source": "=1+2", "utm_campaign": "@SUM", "plan": "pro"}
    await Browser(stack).post(
        "/api/v1/auth/signup", {"email": "x@example.com", "password": PASSWORD, "attribution": link}
    )
    day = f"{datetime.fromtimestamp(clock.now(), UTC):%Y-%m-%d}"
    sheet = (await report(stack, f"from={day}&to={day}&format=csv")).body.decode()
    assert sheet.splitlines()[1] == '"\'=1+2","\'@SUM","pro","1","0","0","0"'
