"""Deadlines on outbound calls: a call that does not answer in time raises DeadlineExceeded, which
the app turns into a 504 (shared.app). Every outbound port (HttpClient to Stripe, Resend and
Cloudflare's API; Service to another worker) is wrapped in `Timed` once, by its worker's
composition root (`bootstrap`, or CustomerDeps.of).

The budgets nest, innermost shortest, so the caller always outlives its callee and can answer:
one provider call < a worker calling the mailer < core calling an internal worker."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from shared.http import Request, Response
from shared.ports import HttpClient

PROVIDER_SECONDS = 8.0  # one call to Stripe, Resend or Cloudflare's API
MAILER_SECONDS = 10.0  # a worker asking the mailer to send (it only records and enqueues)
SERVICE_SECONDS = 28.0  # core forwarding to an internal worker (room for a provider call, a retry, a mail)

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} did not answer within {seconds:g} s")
        self.what = what
        self.seconds = seconds


async def within(seconds: float, what: str, call: Awaitable[T]) -> T:
    """Awaits `call`, or raises DeadlineExceeded after `seconds` (the call is cancelled)."""
    try:
        return await asyncio.wait_for(call, seconds)
    except TimeoutError:
        raise DeadlineExceeded(what, seconds) from None


@dataclass
class Timed:
    """An HttpClient or Service whose every fetch has a deadline."""

    inner: HttpClient
    seconds: float
    what: str

    async def fetch(self, request: Request) -> Response:
        return await within(self.seconds, self.what, self.inner.fetch(request))
