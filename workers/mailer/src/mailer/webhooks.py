"""Resend's webhook events (core forwards `POST /api/v1/webhooks/resend` raw, no session).

After the Svix signature checks out, each delivery is acted on once (by svix-id):
`email.delivered` moves the message to `delivered`; `email.bounced` and `email.complained` move
it to `bounced` / `complained` and put the recipients on the suppression list. Other event types
are acknowledged and ignored. The effects and the svix-id are written in one batch, so a delivery
is either fully processed or not at all (and Svix retries it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailer import svix
from mailer.store import MailStore, Statement
from shared import jsontext
from shared.errors import HttpError
from shared.http import Request
from shared.log import log
from shared.ports import Clock, Crypto

_STATUS = {"email.delivered": "delivered", "email.bounced": "bounced", "email.complained": "complained"}
_SUPPRESS = ("email.bounced", "email.complained")
KEEP_IDS_SECONDS = 30 * 24 * 3600


@dataclass
class WebhookHandler:
    store: MailStore
    crypto: Crypto
    clock: Clock
    secret: str

    async def handle(self, request: Request) -> dict[str, str]:
        svix_id = await svix.verify(self.crypto, self.clock, self.secret, request)
        event = _parse(request.body)
        event_type = str(event["type"])
        if await self.store.seen_webhook(svix_id):
            return {"status": "duplicate", "type": event_type}
        statements = [
            *self._effects(event_type, event["data"]),
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

    def _effects(self, event_type: str, data: dict[str, Any]) -> list[Statement]:
        status = _STATUS.get(event_type)
        if status is None:
            return []
        tags = data.get("tags")
        email_id = tags.get("email_id") if isinstance(tags, dict) else None
        provider_id = data.get("email_id")
        effects = [
            self.store.advance(
                email_id if isinstance(email_id, str) else None,
                provider_id if isinstance(provider_id, str) else None,
                status,
            )
        ]
        if event_type in _SUPPRESS:
            recipients = data.get("to")
            addresses = [recipients] if isinstance(recipients, str) else recipients
            if isinstance(addresses, list):
                reason = status if event_type != "email.bounced" else f"bounced: {_bounce_kind(data)}"
                effects += [self.store.suppress(a, reason) for a in addresses if isinstance(a, str) and a]
        return effects


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
