"""The stack with billing on the Stripe stand-in, whose webhooks go through core as Stripe's would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devstack import stack as stack_module
from devstack.adapters import HashlibCrypto
from devstack.hubspot_standin import HubSpotStandin
from devstack.stripe import StripeStandin
from shared import internal_auth
from shared.http import Request, Response
from tests.conftest import FakeClock, signed
from tests.core.conftest import Browser, Outbox, browser, outbox  # noqa: F401 (fixtures, shared with core's tests)

BILLING_VARS = stack_module.worker_vars("billing")
WEBHOOK_PATH = "/api/v1/webhooks/stripe"


@pytest.fixture
def stripe(clock: FakeClock) -> StripeStandin:
    return StripeStandin(
        api_key=BILLING_VARS["STRIPE_SECRET_KEY"], webhook_secret=BILLING_VARS["STRIPE_WEBHOOK_SECRET"], clock=clock
    )


@pytest.fixture
async def stack(
    tmp_path: Path, clock: FakeClock, crypto: HashlibCrypto, stripe: StripeStandin, hubspot: HubSpotStandin
) -> AsyncIterator[stack_module.Stack]:
    built = await stack_module.build(tmp_path / "state", clock=clock, crypto=crypto, stripe=stripe, hubspot=hubspot)

    async def webhook(body: bytes, headers: dict[str, str]) -> int:
        # Through core, exactly as Stripe reaches us: no session, the raw body forwarded untouched.
        return (await built.core.handle(Request("POST", WEBHOOK_PATH, "", headers, body))).status

    stripe.webhook = webhook
    yield built
    built.close()


async def billing_call(
    stack: stack_module.Stack,
    crypto: HashlibCrypto,
    clock: FakeClock,
    method: str,
    path: str,
    account: str = "acc_1",
    email: str | None = "ada@example.com",
    body: bytes = b"",
) -> Response:
    """Calls billing directly as core would, vouching for `account`."""
    identity = internal_auth.Identity(account_id=account, session_id="s1", email=email)
    headers = await signed(crypto, clock, method, path, identity, body=body)
    if body:
        headers["content-type"] = "application/json"
    return await stack.billing.handle(Request(method, path, "", headers, body))


async def entitlement(stack: stack_module.Stack, crypto: HashlibCrypto, clock: FakeClock, account: str) -> Any:
    response = await billing_call(stack, crypto, clock, "GET", f"/internal/entitlements/{account}", account)
    assert response.status == 200, response.body
    return response.json()


@pytest.fixture(autouse=True)
def no_mail_refused(capsys: pytest.CaptureFixture[str]) -> Any:
    """Mailer refusing billing's data (a template mismatch) is only logged by billing: fail on it here."""
    yield
    assert "mail_refused" not in capsys.readouterr().out
