"""Mailer's internal contract and the one client core, customer and billing send mail with.

    POST /internal/send  {"template", "to", "data", "idempotency_key"}

The idempotency key names the business event (`verify-email/<token id>`, `stripe/<event id>`), so
however often the event is handled the recipient gets the mail once.

The failure policy, the same for every sender (docs/mail.md):
- 2xx: mailer has the message; it delivers it, retrying Resend on its own queue.
- mailer unreachable, past its deadline, or 5xx: `MailUnavailable`, worth a retry of the business
  event. `send` raises it (billing: Stripe redelivers the webhook, the key keeps it to one mail);
  `notify` logs it and returns False (core, customer: the action a person took stands, they can ask
  for the mail again).
- 4xx: our request is wrong (a bug, e.g. data a template does not take). Retrying cannot help: it is
  logged and not raised."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared import crm, internal_auth
from shared.http import Request, Response
from shared.log import log, request_id
from shared.ports import Clock, Crypto, Service

SEND_PATH = "/internal/send"


class MailUnavailable(Exception):
    """Mailer could not take the message now (unreachable, too slow, 5xx)."""


def send_request(template: str, to: str, data: dict[str, Any], idempotency_key: str, request_id: str = "") -> Request:
    body = {"template": template, "to": to, "data": data, "idempotency_key": idempotency_key}
    headers = {"content-type": "application/json", **({"x-request-id": request_id} if request_id else {})}
    return Request("POST", SEND_PATH, headers=headers, body=json.dumps(body).encode())


@dataclass
class MailClient:
    """Asks mailer for one email over the MAILER binding, signed as `caller`. `mailer` comes from the
    composition root already Timed (MAILER_SECONDS, shared.deadline)."""

    mailer: Service
    crypto: Crypto
    clock: Clock
    secret: str  # INTERNAL_SECRET
    caller: str  # the signing worker: "core", "customer" or "billing"

    async def send(self, template: str, to: str, data: dict[str, Any], idempotency_key: str) -> bool:
        """True when mailer took the message; False when it refused it (4xx, logged). Raises
        MailUnavailable when mailer could not take it."""
        response = await self._ask(send_request(template, to, data, idempotency_key, request_id()))
        if response.status >= 400:
            body = response.body.decode("utf-8", "replace")
            log("mail_refused", template=template, key=idempotency_key, status=response.status, body=body)
            return False
        return True

    async def notify(self, template: str, to: str, data: dict[str, Any], idempotency_key: str) -> bool:
        """`send` for an action that stands whether or not the mail goes: False (and logged) when
        mailer could not take it."""
        try:
            return await self.send(template, to, data, idempotency_key)
        except MailUnavailable as exc:
            log("mail_unavailable", exc, template=template, key=idempotency_key)
            return False

    async def crm(self, event: str, email: str, kept: dict[str, str] | None = None) -> bool:
        """Tells mailer's CRM sync (shared/crm.py) what happened, with `notify`'s policy: the action
        stands whether or not the CRM hears of it."""
        try:
            response = await self._ask(crm.sync_request(event, email, kept, request_id()))
        except MailUnavailable as exc:
            log("crm_unavailable", exc, crm_event=event)
            return False
        if response.status >= 400:
            log("crm_refused", crm_event=event, status=response.status)
            return False
        return True

    async def _ask(self, unsigned: Request) -> Response:
        """Mailer's answer below 500, signed as the caller; MailUnavailable otherwise (a deadline passed too)."""
        request = await internal_auth.signed(
            self.crypto, self.clock, self.secret, unsigned, internal_auth.Identity(caller=self.caller)
        )
        try:
            response = await self.mailer.fetch(request)
        except Exception as exc:
            raise MailUnavailable(f"mailer unreachable: {exc}") from exc
        if response.status >= 500:
            raise MailUnavailable(f"mailer answered {response.status}")
        return response
