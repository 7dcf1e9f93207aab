"""Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`.

v1 is HMAC-SHA256 keyed with the whole `whsec_…` string over `"{t}.{raw body}"`. Any matching v1
is accepted (Stripe sends several while a secret is being rolled), compared in constant time, and
the timestamp must be within TOLERANCE_SECONDS of now, so a captured delivery cannot be replayed
later."""

from __future__ import annotations

import hmac

from shared.ports import Clock, Crypto

TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    pass


def parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.lower())
    if timestamp is None:
        raise SignatureError("no timestamp in Stripe-Signature")
    if not signatures:
        raise SignatureError("no v1 signature in Stripe-Signature")
    return timestamp, signatures


async def compute(crypto: Crypto, secret: str, timestamp: int, raw_body: bytes) -> str:
    mac = await crypto.hmac_sha256(secret.encode(), f"{timestamp}.".encode() + raw_body)
    return mac.hex()


async def verify(
    crypto: Crypto, clock: Clock, secret: str, header: str, raw_body: bytes, tolerance: int = TOLERANCE_SECONDS
) -> int:
    """Returns the signed timestamp, or raises SignatureError."""
    timestamp, signatures = parse(header)
    expected = await compute(crypto, secret, timestamp, raw_body)
    # Check every candidate (no early exit), each in constant time.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise SignatureError("no matching v1 signature")
    if abs(clock.now() - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    return timestamp
