"""The internal-call contract: core vouches for a request's identity in a signed, short-lived header.

    x-smartpages-internal: v2.<expires>.<identity, base64url>.<signature, base64url>

The signature is HMAC-SHA256, keyed by INTERNAL_SECRET, over method, path, query, the SHA-256 of the
body, identity and expiry, so a captured header cannot be replayed on another route, with other
parameters or another body, or after it expires. Internal workers refuse any call without a valid
one (403)."""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from typing import Any

from shared import jsontext
from shared.errors import HttpError
from shared.http import Request
from shared.ports import Clock, Crypto

HEADER = "x-smartpages-internal"
VERSION = "v2"
LIFETIME_SECONDS = 60
MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class Identity:
    """Who core says is calling. `account_id` is None for public, session-less routes; `plan` is the
    account's effective plan as billing reported it (for limits), `email` its address."""

    account_id: str | None = None
    session_id: str | None = None
    caller: str = "core"
    email: str | None = None
    plan: str | None = None

    def encode(self) -> str:
        data = {"a": self.account_id, "s": self.session_id, "c": self.caller, "e": self.email, "p": self.plan}
        return _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())

    @classmethod
    def decode(cls, text: str) -> Identity:
        data: Any = jsontext.loads(_unb64(text))
        if not isinstance(data, dict):
            raise ValueError("identity is not an object")
        optional = [data.get(key) for key in ("a", "s", "e", "p")]
        if not all(value is None or isinstance(value, str) for value in optional):
            raise ValueError("identity fields have wrong types")
        caller = data.get("c")
        if not isinstance(caller, str):
            raise ValueError("identity has no caller")
        account, session, email, plan = optional
        return cls(account, session, caller, email, plan)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def _message(crypto: Crypto, request: Request, identity: str, expires: int) -> bytes:
    body_hash = (await crypto.sha256(request.body)).hex()
    fields = [VERSION, request.method.upper(), request.path, request.query, body_hash, identity, str(expires)]
    return "\n".join(fields).encode()


def _check_secret(secret: str) -> bytes:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        # A short or missing INTERNAL_SECRET is a deploy mistake; fail closed rather than sign weakly.
        raise RuntimeError(f"INTERNAL_SECRET must be at least {MIN_SECRET_BYTES} bytes")
    return secret.encode()


async def sign(crypto: Crypto, clock: Clock, secret: str, request: Request, identity: Identity) -> str:
    """The header that vouches for `identity` on exactly this method, path, query and body."""
    expires = int(clock.now()) + LIFETIME_SECONDS
    encoded = identity.encode()
    message = await _message(crypto, request, encoded, expires)
    mac = await crypto.hmac_sha256(_check_secret(secret), message)
    return f"{VERSION}.{expires}.{encoded}.{_b64(mac)}"


async def signed(crypto: Crypto, clock: Clock, secret: str, request: Request, identity: Identity) -> Request:
    """`request` carrying its header (`sign`)."""
    header = await sign(crypto, clock, secret, request, identity)
    return request.replace(headers={**request.headers, HEADER: header})


async def verify(crypto: Crypto, clock: Clock, secret: str, request: Request) -> Identity:
    """The identity `request`'s header vouches for, or 403 `internal_auth_failed` without saying why."""
    forbidden = HttpError(403, "internal_auth_failed", "This worker only answers signed calls from core.")
    parts = request.header(HEADER).split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[1].isdigit():
        raise forbidden
    _, expires_text, encoded, signature = parts
    expires = int(expires_text)
    message = await _message(crypto, request, encoded, expires)
    expected = await crypto.hmac_sha256(_check_secret(secret), message)
    try:
        given = _unb64(signature)
    except ValueError:
        raise forbidden from None
    if not hmac.compare_digest(expected, given):
        raise forbidden
    now = clock.now()
    # Also refuse an expiry further ahead than we ever sign: a leaked secret aside, it means a bug.
    if not now <= expires <= now + LIFETIME_SECONDS + 5:
        raise forbidden
    try:
        return Identity.decode(encoded)
    except ValueError:
        raise forbidden from None
