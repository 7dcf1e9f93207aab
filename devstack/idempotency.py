"""What the Stripe and Resend stand-ins keep per Idempotency-Key: the first answer, replayed for a
retry with the same request, and the request's fingerprint, so another request with that key is refused."""

from __future__ import annotations

from dataclasses import dataclass

from shared.http import Response


@dataclass
class Kept:
    fingerprint: str
    response: Response
    at: float
