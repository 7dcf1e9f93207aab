"""Billing's emails: asked of mailer (`POST /internal/send`) over the MAILER binding, signed as
caller "billing". Each notice carries an idempotency key naming its business event, so however
often an event is processed the customer gets the mail once.

Templates (workers/mailer/src/mailer/templates.py) and the data billing gives them:
payment_failed / payment_action_required {plan, amount, link}, trial_ending {plan, trial_end, link},
subscription_cancelled {plan, link, access_until?}, subscription_activated {plan, link}.
The CRM hears of a first payment the same way (`customer_paid`: mailer's `POST /internal/crm`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared import crm, internal_auth, mail
from shared.http import Request
from shared.ports import Clock, Crypto, Service


class MailUnavailable(Exception):
    """Mailer could not take the message now (5xx or unreachable): worth Stripe's retry."""


def amount(minor: object, currency: object) -> str:
    value = minor if isinstance(minor, int) else 0
    return f"{value / 100:.2f} {str(currency or 'eur').upper()}"


def date(timestamp: float) -> str:
    day = datetime.fromtimestamp(timestamp, UTC)
    return f"{day.day} {day:%B %Y}"


@dataclass
class Notifier:
    mailer: Service
    crypto: Crypto
    clock: Clock
    secret: str
    log: Callable[[str], None] = print

    async def send(self, template: str, to: str, data: dict[str, str], idempotency_key: str) -> None:
        await self._ask(mail.send_request(template, to, data, idempotency_key), template, idempotency_key)

    async def customer_paid(self, email: str) -> None:
        """The CRM contact's lifecycle stage becomes `customer` (an upsert: repeating it is harmless)."""
        await self._ask(crm.sync_request("paid", email), "crm_paid", "")

    async def _ask(self, unsigned: Request, template: str, idempotency_key: str) -> None:
        request = await internal_auth.signed(
            self.crypto, self.clock, self.secret, unsigned, internal_auth.Identity(caller="billing")
        )
        try:
            response = await self.mailer.fetch(request)
        except Exception as exc:
            raise MailUnavailable(f"mailer unreachable: {exc}") from exc
        if response.status >= 500:
            raise MailUnavailable(f"mailer answered {response.status}")
        if response.status >= 400:
            # Our request is wrong (a bug): retrying cannot help, so log it and carry on.
            self.log(
                json.dumps(
                    {
                        "worker": "billing",
                        "mail_refused": template,
                        "key": idempotency_key,
                        "status": response.status,
                        "body": response.body.decode("utf-8", "replace"),
                    }
                )
            )
