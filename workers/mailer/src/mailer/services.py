"""What mailer's HTTP layer (mailer/api.py) and business modules are handed: the store and the
clients the composition root (mailer/app.py) built from the ports."""

from __future__ import annotations

from dataclasses import dataclass

from mailer.crm import CrmSync
from mailer.sending import Sender
from mailer.store import MailStore
from mailer.webhooks import WebhookHandler
from shared.ports import Database


@dataclass(frozen=True)
class Mailer:
    db: Database
    store: MailStore
    sender: Sender
    crm: CrmSync
    webhooks: WebhookHandler
    outbox: bool  # no RESEND_API_KEY: mail is kept in the local outbox instead of sent


@dataclass(frozen=True)
class AboutAddress:
    """`POST /internal/forget` and `/internal/export`: {"address"}."""

    address: str


async def forget(svc: Mailer, command: AboutAddress) -> None:
    """An account was deleted: forget everything about the address, the CRM contact too (through
    the queue, with retries)."""
    await svc.store.forget(command.address)
    await svc.crm.forget(command.address)
