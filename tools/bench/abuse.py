"""Abuse figures on the CPython stack (prints, not a test): what issue 15 measured.

    .venv/bin/python -m tools.bench.abuse

- mails actually sent to one address for 20 forgot-password requests (mailer's email log)
- forgot-password answer time for a registered vs an unknown address (median of N each)
- login lockout: 101 wrong passwords from 50 addresses, then the right password
- lead posts accepted on one site from 55 visitor addresses (one post each)

The clock is a fake one the script moves, so limits behave as in an hour of traffic; response
times are wall-clock (perf_counter)."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from devstack import stack as stack_module
from devstack.adapters import HashlibCrypto
from devstack.stack import Stack
from devstack.turnstile_standin import DUMMY_TOKEN as DUMMY_TURNSTILE_TOKEN
from shared import background
from shared.http import Request
from tests.conftest import FakeClock
from tests.core.conftest import ORIGIN, PASSWORD, Browser, Outbox, capture_outbox
from tests.customer.conftest import make_owner
from tests.customer.test_forms import LEAD, form_site, submit


async def post_auth(browser: Browser, path: str, body: dict[str, Any]) -> Any:
    """Posts with a Turnstile token; a build without Turnstile refuses the unknown field, so retry bare."""
    response = await browser.post(path, {**body, "turnstile_token": DUMMY_TURNSTILE_TOKEN})
    if response.status == 400 and b"turnstile_token" in response.body:
        response = await browser.post(path, body)
    return response


async def settle() -> None:
    """Lets mail work handed to the background (waitUntil on the edge) finish."""
    await background.drain()


async def mails_to(stack: Stack, address: str) -> int:
    rows = await stack.databases["mailer"].all(
        "SELECT count(*) AS n FROM emails WHERE recipient = ? AND status IN ('sent', 'outbox', 'queued')", (address,)
    )
    return int(rows[0]["n"])


async def signed_up(stack: Stack, browser: Browser, outbox: Outbox, email: str) -> None:
    await post_auth(browser, "/api/v1/auth/signup", {"email": email, "password": PASSWORD})
    await settle()
    verified = await browser.post("/api/v1/auth/verify", {"token": outbox.last_token("verify_email", email)})
    assert verified.status == 200, verified.body
    assert (await browser.post("/api/v1/account/password", {"new_password": PASSWORD})).status == 200


async def forgot_mails(stack: Stack, clock: FakeClock) -> int:
    browser, outbox = Browser(stack), capture_outbox(stack)
    await signed_up(stack, browser, outbox, "ada@example.com")
    before = await mails_to(stack, "ada@example.com")
    for _ in range(20):
        await post_auth(browser, "/api/v1/auth/password/forgot", {"email": "ada@example.com"})
        clock.advance(5)
    await settle()
    return await mails_to(stack, "ada@example.com") - before


async def forgot_timing(stack: Stack, rounds: int) -> tuple[float, float]:
    """The time to the answer (what a prober sees), not counting work done after it."""
    headers = {"origin": ORIGIN, "sec-fetch-site": "same-origin", "content-type": "application/json"}
    known: list[float] = []
    unknown: list[float] = []
    for i in range(rounds):
        for email, bucket in (("ada@example.com", known), (f"nobody{i}@example.com", unknown)):
            body = json.dumps({"email": email, "turnstile_token": DUMMY_TURNSTILE_TOKEN}).encode()
            request = Request("POST", "/api/v1/auth/password/forgot", "", headers, body)
            started = time.perf_counter()
            reply = await stack.core.handle(request)
            if reply.status == 400:  # a build without Turnstile refuses the unknown field
                request = request.replace(body=json.dumps({"email": email}).encode())
                started = time.perf_counter()
                reply = await stack.core.handle(request)
            bucket.append((time.perf_counter() - started) * 1000)
            await settle()
    return statistics.median(known), statistics.median(unknown)


async def lockout(stack: Stack, clock: FakeClock) -> dict[str, Any]:
    statuses: dict[int, int] = {}
    for i in range(101):
        attacker = Browser(stack, address=f"192.0.2.{i % 50}")
        response = await attacker.post("/api/v1/auth/login", {"email": "ada@example.com", "password": f"guess-{i}"})
        statuses[response.status] = statuses.get(response.status, 0) + 1
        clock.advance(1)
    owner = Browser(stack, address="203.0.113.99")
    right = await owner.post("/api/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    wait = int(right.header("retry-after") or 0)
    clock.advance(wait)
    after_wait = await owner.post("/api/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    return {
        "101 wrong passwords (status: count)": statuses,
        "right password at once": f"{right.status} retry-after={right.header('retry-after') or '-'}",
        "right password after that wait": after_wait.status,
    }


async def lead_posts(stack: Stack, browser: Browser, outbox: Outbox) -> int:
    owner = await make_owner(stack, browser, outbox)
    site, block = await form_site(owner)
    accepted = 0
    for i in range(55):
        fields = {**LEAD, "cf-turnstile-response": DUMMY_TURNSTILE_TOKEN}
        response = await submit(stack, site["id"], block, fields, ip=f"198.18.{i // 200}.{i % 200}")
        accepted += response.status == 303
    return accepted


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        stack = await stack_module.build(Path(tmp) / "a", clock=clock, crypto=HashlibCrypto())
        try:
            print(f"mails sent for 20 forgot-password requests to one address: {await forgot_mails(stack, clock)}")
            known, unknown = await forgot_timing(stack, 40)
            print(
                f"forgot-password median answer: registered {known:.1f} ms, unknown {unknown:.1f} ms,"
                f" difference {known - unknown:+.1f} ms"
            )
            for key, value in (await lockout(stack, clock)).items():
                print(f"lockout: {key}: {value}")
        finally:
            stack.close()
        clock = FakeClock()
        stack = await stack_module.build(Path(tmp) / "b", clock=clock, crypto=HashlibCrypto())
        try:
            accepted = await lead_posts(stack, Browser(stack), capture_outbox(stack))
            print(f"lead posts accepted from 55 visitor addresses on one site: {accepted} of 55")
        finally:
            stack.close()


if __name__ == "__main__":
    asyncio.run(main())
