"""Svix webhook signatures, as Resend sends them.

    svix-id: msg_…   svix-timestamp: <unix seconds>   svix-signature: v1,<base64> [v1,<base64> …]

Each v1 value is base64(HMAC-SHA256(key, "{id}.{timestamp}.{raw body}")), keyed with the
base64-decoded part of the `whsec_…` secret. Any one matching v1 is enough (several appear while a
secret is rotated); the timestamp must be within 300 s of now, either way."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from shared.errors import HttpError
from shared.ports import Clock, Crypto

TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of the secret, not a secret)


def _refuse(message: str) -> HttpError:
    return HttpError(400, "invalid_webhook_signature", message)


def signing_key(secret: str) -> bytes:
    """The HMAC key inside `whsec_<base64>`. A missing or malformed secret is a deploy mistake."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not key:
        raise RuntimeError("RESEND_WEBHOOK_SECRET must be the whsec_… signing secret from Resend")
    return key


async def sign(crypto: Crypto, secret: str, svix_id: str, timestamp: str, body: bytes) -> str:
    """The `v1,<base64>` signature Svix would send (the stand-in and tests sign with this)."""
    mac = await crypto.hmac_sha256(signing_key(secret), f"{svix_id}.{timestamp}.".encode() + body)
    return "v1," + base64.b64encode(mac).decode()


@dataclass(frozen=True)
class Signed:
    """A delivery as Svix signed it: its svix-id, svix-timestamp and svix-signature headers, and the body."""

    svix_id: str
    timestamp: str
    signatures: str
    body: bytes


async def verify(crypto: Crypto, clock: Clock, secret: str, delivery: Signed) -> str:
    """Returns the svix-id of a genuine, fresh delivery; raises 400 otherwise."""
    svix_id, timestamp, signatures = delivery.svix_id, delivery.timestamp, delivery.signatures
    if not (svix_id and timestamp and signatures):
        raise _refuse("The svix-id, svix-timestamp and svix-signature headers are required.")
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(clock.now() - int(timestamp)) > TOLERANCE_SECONDS:
        raise _refuse("The webhook timestamp is missing or outside the 5 minute tolerance.")
    expected = await crypto.hmac_sha256(signing_key(secret), f"{svix_id}.{timestamp}.".encode() + delivery.body)
    matched = False
    for entry in signatures.split(" "):
        version, _, value = entry.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        # Check every entry rather than stopping early, so timing says nothing about which matched.
        matched = hmac.compare_digest(expected, given) or matched
    if not matched:
        raise _refuse("No webhook signature matches.")
    return svix_id
