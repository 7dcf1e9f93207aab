"""The siteverify stand-in keeps Cloudflare's documented contract, test keys included, and
shared.turnstile reads it correctly (fail closed)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from devstack.turnstile_standin import (
    DUMMY_TOKEN,
    TEST_SECRET_FAILS,
    TEST_SECRET_PASSES,
    TEST_SECRET_SPENT,
    TurnstileStandin,
)
from shared.http import Request, Response
from shared.turnstile import SITEVERIFY_URL, Turnstile
from tests.conftest import FakeClock


async def verify(standin: TurnstileStandin, **form: str) -> dict[str, object]:
    body = urlencode(form).encode()
    reply = await standin.fetch(
        Request("POST", SITEVERIFY_URL, headers={"content-type": "application/x-www-form-urlencoded"}, body=body)
    )
    assert reply.status == 200
    return reply.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("secret", "token", "success", "codes"),
    [
        (TEST_SECRET_PASSES, DUMMY_TOKEN, True, []),
        (TEST_SECRET_FAILS, DUMMY_TOKEN, False, ["invalid-input-response"]),
        (TEST_SECRET_SPENT, DUMMY_TOKEN, False, ["timeout-or-duplicate"]),
        ("", DUMMY_TOKEN, False, ["missing-input-secret"]),
        ("0x-not-ours", DUMMY_TOKEN, False, ["invalid-input-secret"]),
        (TEST_SECRET_PASSES, "", False, ["missing-input-response"]),
        (TEST_SECRET_PASSES, "x" * 2049, False, ["invalid-input-response"]),
    ],
)
async def test_test_keys_and_input_errors(
    clock: FakeClock, secret: str, token: str, success: bool, codes: list[str]
) -> None:
    answer = await verify(TurnstileStandin(clock), secret=secret, response=token)
    assert (answer["success"], answer["error-codes"]) == (success, codes)


async def test_a_real_secret_refuses_the_dummy_token_and_accepts_a_minted_one_once_within_300_s(
    clock: FakeClock,
) -> None:
    standin = TurnstileStandin(clock)
    assert (await verify(standin, secret=standin.secret, response=DUMMY_TOKEN))["error-codes"] == [
        "invalid-input-response"
    ]
    token = standin.issue("bakery.example")
    first = await verify(standin, secret=standin.secret, response=token, remoteip="203.0.113.9")
    assert (first["success"], first["hostname"]) == (True, "bakery.example")
    assert str(first["challenge_ts"]).endswith("Z")
    again = await verify(standin, secret=standin.secret, response=token)
    assert again["error-codes"] == ["timeout-or-duplicate"]
    late = standin.issue()
    clock.advance(301)
    assert (await verify(standin, secret=standin.secret, response=late))["error-codes"] == ["timeout-or-duplicate"]


async def test_json_bodies_are_accepted_and_anything_else_is_a_bad_request(clock: FakeClock) -> None:
    standin = TurnstileStandin(clock)
    body = json.dumps({"secret": TEST_SECRET_PASSES, "response": DUMMY_TOKEN}).encode()
    ok = await standin.fetch(Request("POST", SITEVERIFY_URL, headers={"content-type": "application/json"}, body=body))
    assert ok.json()["success"] is True
    get = await standin.fetch(Request("GET", SITEVERIFY_URL))
    assert get.json()["error-codes"] == ["bad-request"]


async def test_the_client_fails_closed(clock: FakeClock) -> None:
    standin = TurnstileStandin(clock)
    assert await Turnstile(standin, TEST_SECRET_PASSES).passed(DUMMY_TOKEN, "203.0.113.9")
    assert standin.requests[-1].header("content-type") == "application/x-www-form-urlencoded"
    assert not await Turnstile(standin, TEST_SECRET_FAILS).passed(DUMMY_TOKEN)
    assert not await Turnstile(standin, TEST_SECRET_PASSES).passed("")  # no token: no call, no pass
    assert not await Turnstile(None, TEST_SECRET_PASSES).passed(DUMMY_TOKEN)

    class Down:
        async def fetch(self, request: Request) -> Response:
            raise ConnectionError("unreachable")

    class NotJson:
        async def fetch(self, request: Request) -> Response:
            return Response(502, [], b"<html>bad gateway</html>")

    assert not await Turnstile(Down(), TEST_SECRET_PASSES).passed(DUMMY_TOKEN)
    assert not await Turnstile(NotJson(), TEST_SECRET_PASSES).passed(DUMMY_TOKEN)
    assert await Turnstile(None, "").passed("")  # off (no secret): the local stack
