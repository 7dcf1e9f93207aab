"""Turnstile's siteverify has a deadline: a hanging call fails closed, quickly and clearly (issue 24:
a hanging siteverify held a sign-up 10 s+)."""

import asyncio
import time

import pytest

from shared.deadline import Timed
from shared.errors import HttpError
from shared.http import Request, Response
from shared.turnstile import SITEVERIFY_SECONDS, Turnstile


class Hanging:
    def __init__(self) -> None:
        self.cancelled = False

    async def fetch(self, request: Request) -> Response:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


class Passing:
    async def fetch(self, request: Request) -> Response:
        return Response(200, [("content-type", "application/json")], b'{"success": true}')


def timed(http: Hanging | Passing) -> Timed:
    """As the composition roots hand it over (with SITEVERIFY_SECONDS there)."""
    return Timed(http, 0.05, "Turnstile siteverify")


def test_the_deadline_is_short_enough_for_a_form() -> None:
    assert 0 < SITEVERIFY_SECONDS <= 5


async def test_a_hanging_siteverify_refuses_the_form_with_a_clear_503() -> None:
    http = Hanging()
    turnstile = Turnstile(timed(http), secret="s")
    started = time.monotonic()
    with pytest.raises(HttpError) as raised:
        await turnstile.require("token", "203.0.113.7")
    assert time.monotonic() - started < 1
    assert (raised.value.status, raised.value.code) == (503, "turnstile_unavailable")
    assert "did not answer in time" in raised.value.message
    assert http.cancelled  # the call does not linger


async def test_passed_is_false_when_siteverify_hangs() -> None:
    assert await Turnstile(timed(Hanging()), secret="s").passed("token") is False


async def test_a_prompt_answer_still_passes() -> None:
    turnstile = Turnstile(timed(Passing()), secret="s")
    assert await turnstile.passed("token") is True
    await turnstile.require("token")
