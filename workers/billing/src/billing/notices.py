"""Billing's emails: sent with shared.mail's client, signed as caller "billing"; a mailer that cannot
take one raises MailUnavailable, so Stripe's retry of the event sends it. Each notice carries an
idempotency key naming its business event, so however often an event is processed the customer
gets the mail once.

Templates (workers/mailer/src/mailer/templates.py) and the data billing gives them:
payment_failed / payment_action_required {plan, amount, link}, trial_ending {plan, trial_end, link},
subscription_cancelled {plan, link, access_until?}, subscription_activated {plan, link}.
The CRM hears of a first payment through the same client (`MailClient.crm`: mailer's `POST /internal/crm`)."""

from __future__ import annotations

from datetime import UTC, datetime


def amount(minor: object, currency: object) -> str:
    value = minor if isinstance(minor, int) else 0
    return f"{value / 100:.2f} {str(currency or 'eur').upper()}"


def date(timestamp: float) -> str:
    day = datetime.fromtimestamp(timestamp, UTC)
    return f"{day.day} {day:%B %Y}"
