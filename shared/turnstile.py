"""Cloudflare Turnstile, server side: every token a form carries is checked with siteverify.

    POST https://challenges.cloudflare.com/turnstile/v0/siteverify   (form-encoded)
    secret=<widget secret>&response=<token>&remoteip=<visitor address>
    -> 200 {"success": bool, "error-codes": [...], "challenge_ts", "hostname", "action", "cdata"}

Tokens are at most 2048 characters, single use, valid 300 s. We fail closed: no token, an
unreadable or failed answer, or siteverify out of reach all refuse the form. siteverify has
SITEVERIFY_SECONDS to answer: a hanging call must not hold a sign-up (it once held one 10 s+), so
past the deadline the form is refused too, `require` with 503 `turnstile_unavailable` (try again
in a minute) rather than the 400 that tells a person they failed the challenge. With no secret
configured (the local stack) the check is off; production lists TURNSTILE_SECRET_KEY in
`[secrets] required`, so a deploy without it fails."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from shared.deadline import DeadlineExceeded
from shared.errors import HttpError
from shared.http import Request
from shared.log import log
from shared.ports import HttpClient

SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
MAX_TOKEN_LENGTH = 2048
FAILED_MESSAGE = "We could not tell that you are a person. Please try again."
UNAVAILABLE_MESSAGE = "Our check that you are a person did not answer in time. Please try again in a minute."
SITEVERIFY_SECONDS = 3.0  # siteverify answers in well under a second


class TurnstileTimeout(DeadlineExceeded):
    """siteverify did not answer within the deadline: the challenge is not passed (fail closed)."""


@dataclass(frozen=True)
class Turnstile:
    http: HttpClient | None
    secret: str = ""
    site_key: str = ""  # public: what the browser's widget is rendered with
    url: str = SITEVERIFY_URL

    @property
    def enabled(self) -> bool:
        return bool(self.secret)

    async def passed(self, token: str, remote_ip: str = "") -> bool:
        """True when siteverify says the token is good; always True while Turnstile is off. False
        when it does not answer within the deadline (fail closed)."""
        try:
            return await self._verify(token, remote_ip)
        except TurnstileTimeout:
            return False

    async def _verify(self, token: str, remote_ip: str) -> bool:
        """As `passed`, but a siteverify past its deadline raises TurnstileTimeout."""
        if not self.enabled:
            return True
        if not token or len(token) > MAX_TOKEN_LENGTH or self.http is None:
            return False
        form = {"secret": self.secret, "response": token, **({"remoteip": remote_ip} if remote_ip else {})}
        request = Request(
            "POST",
            self.url,
            headers={"content-type": "application/x-www-form-urlencoded", "accept": "application/json"},
            body=urlencode(form).encode(),
        )
        try:
            reply = await self.http.fetch(request)  # Timed by the composition root (SITEVERIFY_SECONDS)
            answer = reply.json()
        except DeadlineExceeded as exc:
            log("turnstile_timeout", exc)
            raise TurnstileTimeout(exc.what, exc.seconds) from None
        except Exception as exc:  # siteverify down or not JSON: the challenge is not passed
            log("turnstile_unreachable", exc)
            return False
        return reply.status == 200 and isinstance(answer, dict) and answer.get("success") is True

    async def require(self, token: str, remote_ip: str = "", field: str = "turnstile_token") -> None:
        """Raises 400 `turnstile_failed` (naming the field) unless the token passes, or 503
        `turnstile_unavailable` when siteverify did not answer in time (nothing is done either way)."""
        try:
            ok = await self._verify(token, remote_ip)
        except TurnstileTimeout:
            raise HttpError(503, "turnstile_unavailable", UNAVAILABLE_MESSAGE, details={"field": field}) from None
        if not ok:
            raise HttpError(400, "turnstile_failed", FAILED_MESSAGE, details={"field": field})
