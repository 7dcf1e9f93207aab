"""Turnstile on sign-up, forgot-password and magic link (issue 15: nothing told bots from people)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devstack import stack as stack_module
from devstack.turnstile_standin import DUMMY_TOKEN, TEST_SECRET_FAILS, TEST_SECRET_PASSES, TEST_SITE_KEY_PASSES
from shared.turnstile import SITEVERIFY_SECONDS
from tests.conftest import FakeClock, error_code
from tests.core.conftest import PASSWORD, Browser

FORMS = {
    "/api/v1/auth/signup": {"email": "ada@example.com", "password": PASSWORD},
    "/api/v1/auth/password/forgot": {"email": "ada@example.com"},
    "/api/v1/auth/magic-link": {"email": "ada@example.com"},
    "/api/v1/auth/verify/resend": {"email": "ada@example.com"},  # issue 23, M3
}


async def with_secret(tmp_path: Path, clock: FakeClock, crypto, secret: str) -> stack_module.Stack:
    keys = {"TURNSTILE_SECRET_KEY": secret, "TURNSTILE_SITE_KEY": TEST_SITE_KEY_PASSES}
    return await stack_module.build(tmp_path / secret[:2], clock=clock, crypto=crypto, env={"core": keys})


@pytest.fixture
async def guarded(tmp_path: Path, clock: FakeClock, crypto) -> AsyncIterator[stack_module.Stack]:
    built = await with_secret(tmp_path, clock, crypto, TEST_SECRET_PASSES)
    yield built
    built.close()


@pytest.mark.parametrize("path", sorted(FORMS))
async def test_each_form_needs_a_token(guarded: stack_module.Stack, path: str) -> None:
    browser = Browser(guarded)
    missing = await browser.post(path, FORMS[path])
    assert (missing.status, error_code(missing)) == (400, "turnstile_failed")
    assert missing.json()["error"]["field"] == "turnstile_token"
    passed = await browser.post(path, {**FORMS[path], "turnstile_token": DUMMY_TOKEN})
    assert passed.status == 202
    verify = guarded.turnstile.requests[-1]
    assert b"remoteip=203.0.113.7" in verify.body


async def test_a_failing_token_is_refused_and_nothing_is_mailed(tmp_path: Path, clock: FakeClock, crypto) -> None:
    built = await with_secret(tmp_path, clock, crypto, TEST_SECRET_FAILS)
    try:
        reply = await Browser(built).post(
            "/api/v1/auth/signup", {**FORMS["/api/v1/auth/signup"], "turnstile_token": DUMMY_TOKEN}
        )
        assert (reply.status, error_code(reply)) == (400, "turnstile_failed")
        rows = await built.databases["core"].all("SELECT count(*) AS n FROM accounts")
        assert rows[0]["n"] == 0
    finally:
        built.close()


async def test_the_portal_learns_the_site_key(guarded: stack_module.Stack) -> None:
    on = await Browser(guarded).call("GET", "/api/v1/auth/turnstile")
    assert on.json() == {"site_key": TEST_SITE_KEY_PASSES}


async def test_without_a_secret_turnstile_is_off(stack: stack_module.Stack) -> None:
    off = await Browser(stack).call("GET", "/api/v1/auth/turnstile")  # the local stack's dev vars
    assert off.json() == {"site_key": None}
    assert (await Browser(stack).post("/api/v1/auth/magic-link", {"email": "a@example.com"})).status == 202


async def test_a_hanging_siteverify_fails_sign_up_closed_within_its_deadline(
    guarded: stack_module.Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A siteverify that never answers refuses the sign-up after SITEVERIFY_SECONDS with a clear 503,
    and creates nothing (it once held a sign-up 10 s+)."""

    async def hang(request: object) -> object:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    assert guarded.turnstile is not None
    monkeypatch.setattr(guarded.turnstile, "fetch", hang)
    started = time.monotonic()
    reply = await Browser(guarded).post(
        "/api/v1/auth/signup", {**FORMS["/api/v1/auth/signup"], "turnstile_token": DUMMY_TOKEN}
    )
    assert time.monotonic() - started < SITEVERIFY_SECONDS + 2
    assert (reply.status, error_code(reply)) == (503, "turnstile_unavailable")
    rows = await guarded.databases["core"].all("SELECT count(*) AS n FROM accounts")
    assert rows[0]["n"] == 0
