"""Resend's `POST /emails` over the HttpClient port, with bounded retries.

Retried: 429, 5xx, `concurrent_idempotent_requests` (409) and network errors, at most
`max_attempts` calls. The wait honours `retry-after` (or `ratelimit-reset`) when Resend sends one;
otherwise it doubles from `base_delay`. A wait longer than `max_wait` is not slept at all: the
message stays `queued` for a later call with the same idempotency key. Any other 4xx is permanent:
`failed`, with Resend's `{statusCode, name, message}` kept as the error."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from mailer.headers import safe_header
from shared import jsontext
from shared.http import Request, Response
from shared.log import log
from shared.ports import HttpClient

EMAILS_URL = "https://api.resend.com/emails"
USER_AGENT = "smartpages-mailer/1.0"
MAX_IDEMPOTENCY_KEY = 256

Sleep = Callable[[float], Awaitable[None]]
Outcome = Literal["sent", "queued", "failed"]


@dataclass(frozen=True)
class Outgoing:
    sender: str
    to: str
    subject: str
    html: str
    text: str
    reply_to: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "from": safe_header(self.sender),
            "to": [safe_header(self.to)],
            "subject": safe_header(self.subject),
            "html": self.html,
            "text": self.text,
        }
        if self.reply_to:
            body["reply_to"] = safe_header(self.reply_to)
        if self.tags:
            body["tags"] = [{"name": name, "value": value} for name, value in self.tags]
        return body


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    attempts: int
    provider_id: str | None = None
    error: str | None = None


def describe_error(response: Response) -> str:
    """`429 rate_limit_exceeded: Too many requests…`, or the start of a non-JSON body."""
    try:
        data = jsontext.loads(response.body)
    except ValueError:
        data = None
    if isinstance(data, dict) and ("name" in data or "message" in data):
        return f"{response.status} {data.get('name', 'error')}: {data.get('message', '')}"[:500]
    return f"{response.status}: {response.body[:200].decode('utf-8', 'replace')}"


def _error_name(response: Response) -> str:
    try:
        data = jsontext.loads(response.body)
    except ValueError:
        return ""
    return str(data.get("name", "")) if isinstance(data, dict) else ""


def is_transient(response: Response) -> bool:
    if response.status == 429 or response.status >= 500:
        return True
    return response.status == 409 and _error_name(response) == "concurrent_idempotent_requests"


def asked_wait(response: Response) -> float | None:
    """Seconds Resend asked us to wait (retry-after, else ratelimit-reset), if it said."""
    for name in ("retry-after", "ratelimit-reset"):
        value = response.header(name).strip()
        try:
            seconds = float(value)
        except ValueError:
            continue  # absent, or an HTTP date: fall back to our own backoff
        if seconds >= 0:
            return seconds
    return None


@dataclass
class ResendClient:
    http: HttpClient
    api_key: str
    sleep: Sleep
    max_attempts: int = 3
    base_delay: float = 0.5
    max_wait: float = 5.0
    url: str = EMAILS_URL

    def request(self, message: Outgoing, idempotency_key: str) -> Request:
        if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ValueError("the idempotency key must be 1 to 256 characters")
        headers = {
            "authorization": f"Bearer {self.api_key}",
            "user-agent": USER_AGENT,
            "content-type": "application/json",
            "accept": "application/json",
            "idempotency-key": safe_header(idempotency_key),
        }
        body = json.dumps(message.payload(), separators=(",", ":"), ensure_ascii=False).encode()
        return Request("POST", self.url, headers=headers, body=body)

    async def send(self, message: Outgoing, idempotency_key: str, max_attempts: int | None = None) -> Result:
        request = self.request(message, idempotency_key)
        error = ""
        attempts = max_attempts or self.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                response = await self.http.fetch(request)
            except Exception as exc:  # The network failed: as transient as a 5xx.
                log("resend_unreachable", exc, attempt=attempt)
                error, wait = f"network error: {type(exc).__name__}", None
            else:
                if 200 <= response.status < 300:
                    return Result("sent", attempt, _provider_id(response))
                error = describe_error(response)
                if not is_transient(response):
                    return Result("failed", attempt, error=error)
                wait = asked_wait(response)
            if attempt == attempts:
                break
            delay = self.base_delay * 2 ** (attempt - 1) if wait is None else wait
            if delay > self.max_wait:
                break  # Resend asked for longer than a request should hang: leave it queued.
            await self.sleep(delay)
        return Result("queued", attempt, error=error)


def _provider_id(response: Response) -> str | None:
    try:
        data = jsontext.loads(response.body)
    except ValueError as exc:  # sent, but we cannot tell its id: its webhooks will not match it
        log("resend_answer_unreadable", exc, status=response.status)
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
