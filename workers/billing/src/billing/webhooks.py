"""`POST /api/v1/webhooks/stripe`: verify, parse, claim the event id, process, mark done.

A bad or stale signature is a 400 before anything is read or written. The event id is claimed
with one atomic INSERT before any side effect, so concurrent duplicate deliveries do the work once;
if processing fails the claim is released and the answer is 5xx, so Stripe's retry does the work.
A delivery that finds the event still being processed answers 409 (Stripe retries it); a claim
whose worker died is taken over once it is stale (billing.eventlog).
Event types billing does not handle get 200 (Stripe would otherwise retry them for days)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from billing import signature
from billing.eventlog import EventLog
from billing.events import Event, EventProcessor
from billing.stripe import StripeError
from shared import jsontext
from shared.errors import HttpError
from shared.mail import MailUnavailable
from shared.ports import Clock, Crypto


def parse_event(raw: bytes) -> Event:
    bad = HttpError(400, "invalid_event", "The body is not a Stripe event.")
    try:
        data: Any = jsontext.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("object") != "event":
        raise bad
    event_id, event_type, body = data.get("id"), data.get("type"), data.get("data")
    if not (isinstance(event_id, str) and event_id.startswith("evt_") and isinstance(event_type, str)):
        raise bad
    if not isinstance(body, dict) or not isinstance(body.get("object"), dict):
        raise bad
    created = data.get("created")
    return Event(event_id, event_type, created if isinstance(created, int) else 0, body["object"])


@dataclass
class WebhookHandler:
    secret: str  # STRIPE_WEBHOOK_SECRET, whsec_…
    crypto: Crypto
    clock: Clock
    events: EventLog
    processor: EventProcessor

    async def handle(self, signature_header: str, body: bytes) -> dict[str, Any]:
        """Stripe's event, exactly as sent (`body`) with its Stripe-Signature header."""
        if not self.secret:
            raise HttpError(500, "webhook_not_configured", "STRIPE_WEBHOOK_SECRET is not set.")
        try:
            await signature.verify(self.crypto, self.clock, self.secret, signature_header, body)
        except signature.SignatureError:
            raise HttpError(400, "invalid_signature", "The Stripe-Signature header does not verify.") from None
        event = parse_event(body)
        claim = await self.events.claim(event.id, event.type, self.clock.now())
        if claim == "done":
            return {"received": True, "duplicate": True}
        if claim == "busy":
            # Not a 2xx: if the delivery holding the claim dies, Stripe's retry must still find work.
            raise HttpError(
                409,
                "event_in_progress",
                "This event is being processed by another delivery; retry later.",
                [("retry-after", "60")],
            )
        try:
            handled = await self.processor.process(event)
        except BaseException as exc:
            await self.events.release(event.id)
            if isinstance(exc, StripeError):
                raise HttpError(503, "stripe_unavailable", f"Could not reach Stripe: {exc.message}") from exc
            if isinstance(exc, MailUnavailable):
                raise HttpError(503, "mailer_unavailable", "Mail could not be queued; retry.") from exc
            raise
        await self.events.done(event.id, self.clock.now())
        return {"received": True, "handled": handled}
