"""A small Stripe client over the HttpClient port (no SDK: the workers are stdlib-only).

Every request carries `Authorization: Bearer sk_…` and the pinned `Stripe-Version`; every POST an
`Idempotency-Key` the caller derives from the business operation, so a retry (ours or the user's)
replays instead of repeating. Retries: network errors, 409 and 5xx only, unless Stripe's
`Stripe-Should-Retry` header says otherwise (it wins both ways); bounded, with backoff through an
injected sleep. A call past its deadline (shared.deadline) is not retried: with three attempts
under PROVIDER_SECONDS each, a request to Stripe ends well inside core's budget."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from billing.formencode import Params, encode
from shared import jsontext
from shared.deadline import DeadlineExceeded
from shared.errors import Refused, Unavailable, UpstreamFailed, UpstreamTimeout
from shared.http import Request
from shared.log import log
from shared.ports import HttpClient

API_BASE = "https://api.stripe.com"
# Pinned: object shapes (period dates on subscription items, invoice.parent) follow this version.
STRIPE_VERSION = "2025-03-31.basil"
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0, 2.0)

Sleep = Callable[[float], Awaitable[None]]
StripeObject = dict[str, Any]


class StripeError(Exception):
    """Stripe answered with an error (`status` 0: it could not be reached at all)."""

    def __init__(self, status: int, type_: str, code: str, message: str) -> None:
        super().__init__(f"Stripe {status} {type_}/{code}: {message}")
        self.status = status
        self.type = type_
        self.code = code
        self.message = message


def _retryable(status: int, should_retry: str) -> bool:
    if should_retry == "true":
        return True
    if should_retry == "false":
        return False
    return status == 409 or status >= 500


@dataclass
class StripeClient:
    http: HttpClient
    api_key: str
    sleep: Sleep
    base: str = API_BASE
    max_attempts: int = MAX_ATTEMPTS

    async def get(self, path: str, params: Params | None = None) -> StripeObject:
        return await self.request("GET", path, params or {})

    async def post(self, path: str, params: Params, idempotency_key: str) -> StripeObject:
        return await self.request("POST", path, params, idempotency_key)

    async def request(self, method: str, path: str, params: Params, idempotency_key: str | None = None) -> StripeObject:
        if method == "POST" and not idempotency_key:
            raise ValueError("every Stripe POST needs an idempotency key")
        if not self.api_key:
            raise StripeError(0, "configuration_error", "no_api_key", "STRIPE_SECRET_KEY is not set.")
        encoded = encode(params)
        headers = {
            "authorization": f"Bearer {self.api_key}",
            "stripe-version": STRIPE_VERSION,
            "accept": "application/json",
        }
        query, body = (encoded, b"") if method in ("GET", "DELETE") else ("", encoded.encode())
        if method == "POST":
            headers["content-type"] = "application/x-www-form-urlencoded"
            headers["idempotency-key"] = idempotency_key or ""
        request = Request(method, self.base.rstrip("/") + path, query, headers, body)
        last: StripeError | None = None
        for attempt in range(self.max_attempts):
            if attempt:
                await self.sleep(BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)])
            try:
                response = await self.http.fetch(request)
            except DeadlineExceeded as exc:  # hung: another attempt would spend the caller's budget too
                raise StripeError(0, "api_connection_error", "timeout", f"Stripe did not answer: {exc}") from exc
            except Exception as exc:  # the network failed: nothing reached Stripe, or we cannot tell
                log("stripe_unreachable", exc, attempt=attempt + 1)
                last = StripeError(0, "api_connection_error", "network_error", f"Stripe unreachable: {exc}")
                continue
            if response.status < 300:
                return _json(response.body, response.status)
            last = _error(response.status, response.body)
            if not _retryable(response.status, response.header("stripe-should-retry").lower()):
                raise last
        assert last is not None
        raise last


def _json(body: bytes, status: int) -> StripeObject:
    try:
        data = jsontext.loads(body)
    except ValueError:
        raise StripeError(502, "api_error", "invalid_json", f"Stripe answered {status} with a non-JSON body.") from None
    if not isinstance(data, dict):
        raise StripeError(502, "api_error", "invalid_json", "Stripe answered with a non-object.")
    return data


def _error(status: int, body: bytes) -> StripeError:
    try:
        error = jsontext.loads(body).get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    return StripeError(
        status,
        str(error.get("type") or "api_error"),
        str(error.get("code") or ""),
        str(error.get("message") or f"Stripe answered {status}."),
    )


def refusal(exc: StripeError) -> Refused:
    """A Stripe error, told to our caller: never Stripe's raw status (our request, not theirs, failed).
    Billing's HTTP layer (billing/api.py) applies it once, to whatever a business function let through."""
    if exc.type == "configuration_error":
        return Unavailable("billing_not_configured", "Payments are not set up on this server.")
    if exc.status == 429:
        return Unavailable("stripe_busy", "The payment provider is busy; try again in a minute.", retry_after=30)
    if exc.code == "timeout":
        return UpstreamTimeout("stripe_timeout", "The payment provider did not answer in time; try again in a minute.")
    if exc.status == 0 or exc.status >= 500:
        return UpstreamFailed("stripe_unavailable", "The payment provider did not answer; try again in a minute.")
    return UpstreamFailed(
        "stripe_request_failed",
        f"The payment provider refused the request: {exc.message}",
        {"stripe_code": exc.code or exc.type},
    )
