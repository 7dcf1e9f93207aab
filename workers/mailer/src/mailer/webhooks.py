"""Resend's webhook events (core forwards `POST /api/v1/webhooks/resend` raw, no session).

After the Svix signature checks out, each delivery is acted on once (by svix-id):
- `email.delivered`: the message is `delivered`, and a soft bounce's suppression of the address ends;
- `email.bounced`, hard (`Permanent`): `bounced`, the address suppressed for good; soft (any other
  bounce type: a full mailbox, a server that said "later"): `soft_bounced`, and only the third soft
  bounce within 7 days suppresses the address, for 24 hours (a full mailbox once must not cost
  the owner her next password reset);
- `email.complained`: `complained`, suppressed for good;
- `email.failed` (Resend could not send: quota, domain, recipient): `failed` with Resend's reason,
  logged as `mail_failed` so it shows in Workers Logs.
Other event types are acknowledged and ignored. The effects and the svix-id are written in one
batch, so a delivery is either fully processed or not at all (and Svix retries it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailer import svix
from mailer.store import MailStore, Statement
from shared import jsontext
from shared.errors import HttpError
from shared.log import log
from shared.ports import Clock, Crypto

_STATUS = {
    "email.delivered": "delivered",
    "email.bounced": "bounced",
    "email.complained": "complained",
    "email.failed": "failed",
}
KEEP_IDS_SECONDS = 30 * 24 * 3600
SOFT_BOUNCE_WINDOW_SECONDS = 7 * 24 * 3600
SOFT_BOUNCES_TO_SUPPRESS = 3
SOFT_SUPPRESSION_SECONDS = 24 * 3600


@dataclass
class WebhookHandler:
    store: MailStore
    crypto: Crypto
    clock: Clock
    secret: str

    async def handle(self, delivery: svix.Signed) -> dict[str, str]:
        svix_id = await svix.verify(self.crypto, self.clock, self.secret, delivery)
        event = _parse(delivery.body)
        event_type = str(event["type"])
        if await self.store.seen_webhook(svix_id):
            return {"status": "duplicate", "type": event_type}
        statements = [
            *await self._effects(event_type, event["data"]),
            self.store.record_webhook(svix_id, event_type),
            self.store.forget_webhooks_before(KEEP_IDS_SECONDS),
        ]
        try:
            await self.store.apply(statements)
        except Exception as exc:
            # The same delivery processed concurrently won the race: it is done, not failed.
            if await self.store.seen_webhook(svix_id):
                log("resend_webhook_raced", exc, svix_id=svix_id)
                return {"status": "duplicate", "type": event_type}
            raise
        return {"status": "processed" if event_type in _STATUS else "ignored", "type": event_type}

    async def _effects(self, event_type: str, data: dict[str, Any]) -> list[Statement]:
        status = _STATUS.get(event_type)
        if status is None:
            return []
        tags = data.get("tags")
        email_id = tags.get("email_id") if isinstance(tags, dict) else None
        provider_id = data.get("email_id")
        ours = email_id if isinstance(email_id, str) else None
        theirs = provider_id if isinstance(provider_id, str) else None
        recipients = data.get("to")
        addresses = [
            a for a in ([recipients] if isinstance(recipients, str) else recipients or []) if isinstance(a, str) and a
        ]
        if event_type == "email.bounced" and not _hard(data):
            return await self._soft_bounce(ours, theirs, addresses, _bounce_kind(data))
        error = None
        if event_type == "email.failed":
            failed = data.get("failed")
            error = (
                f"Resend could not send it: {failed.get('reason') if isinstance(failed, dict) else 'no reason given'}"
            )
            log("mail_failed", None, email_id=ours or "", provider_id=theirs or "", error=error)
        effects = [self.store.advance(ours, theirs, status, error)]
        if event_type == "email.delivered":
            effects += [self.store.lift_temporary(a) for a in addresses]
        elif event_type in ("email.bounced", "email.complained"):
            reason = status if event_type != "email.bounced" else f"bounced: {_bounce_kind(data)}"
            effects += [self.store.suppress(a, reason) for a in addresses]
        return effects

    async def _soft_bounce(
        self, ours: str | None, theirs: str | None, addresses: list[str], kind: str
    ) -> list[Statement]:
        effects = [self.store.advance(ours, theirs, "soft_bounced", f"soft bounce: {kind}")]
        now = self.clock.now()
        for address in addresses:
            earlier = await self.store.soft_bounces(address, now - SOFT_BOUNCE_WINDOW_SECONDS)
            if earlier + 1 >= SOFT_BOUNCES_TO_SUPPRESS:
                reason = f"soft bounces: {kind}"
                effects.append(self.store.suppress_until(address, reason, now + SOFT_SUPPRESSION_SECONDS))
        return effects


def _hard(data: dict[str, Any]) -> bool:
    """A `Permanent` bounce, or one Resend did not describe (its contract always does: be safe)."""
    bounce = data.get("bounce")
    return not isinstance(bounce, dict) or str(bounce.get("type", "")).lower() in ("permanent", "")


def _bounce_kind(data: dict[str, Any]) -> str:
    bounce = data.get("bounce")
    if not isinstance(bounce, dict):
        return "unknown"
    return "/".join(str(bounce.get(k)) for k in ("type", "subType") if bounce.get(k)) or "unknown"


def _parse(body: bytes) -> dict[str, Any]:
    try:
        event = jsontext.loads(body)
    except ValueError:  # not UTF-8, not JSON, or nested too deep
        raise HttpError(400, "invalid_json", "The webhook body is not JSON.") from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not isinstance(event.get("data"), dict):
        raise HttpError(400, "invalid_webhook_event", "The webhook body has no type and data.")
    return event
