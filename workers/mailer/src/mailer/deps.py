"""What mailer's app core is built from: its settings (read from env by `settings_from`) and its
ports. `mailer.app.bootstrap(settings, ports)` wires them; entry.py, devstack/stack.py and the tests
all call it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mailer import crm, delivery
from mailer.hubspot import API_BASE as HUBSPOT_API
from mailer.resend import Sleep
from shared.ports import Clock, Crypto, Database, HttpClient, Queue
from shared.settings import reader

DEFAULT_MAIL_FROM = "SmartPages <hello@smartpages.online>"


@dataclass(frozen=True)
class Settings:
    """The worker's vars and secrets (shared.settings: fields without a default are required)."""

    internal_secret: str
    resend_api_key: str = ""  # empty: outbox mode (local stack), nothing leaves the machine
    resend_webhook_secret: str = ""  # whsec_…; webhooks answer 500 until it is set
    mail_from: str = DEFAULT_MAIL_FROM
    mail_retry_seconds: int = delivery.RETRY_BASE_SECONDS  # the consumer's first backoff
    resend_api_base: str = ""  # a local stand-in instead of https://api.resend.com
    hubspot_token: str = ""  # a HubSpot private app's; empty: the CRM sync is off
    hubspot_api_base: str = HUBSPOT_API  # a local stand-in instead
    crm_retry_seconds: int = crm.RETRY_BASE_SECONDS  # the CRM consumer's first backoff


settings_from = reader(Settings)  # env -> Settings, or SettingsError naming what is missing


@dataclass(kw_only=True)  # built by keyword: a port added later never shifts the others
class Ports:
    db: Database
    http: HttpClient  # to Resend
    clock: Clock
    crypto: Crypto
    queue: Queue | None = None  # MAIL_QUEUE; without it (unit tests) Resend is called inline
    sleep: Sleep = asyncio.sleep  # between retries; tests pass one that records instead of waiting
    crm_queue: Queue | None = None  # CRM_QUEUE; without it HubSpot is called inline
    crm_http: HttpClient | None = None  # HubSpot's transport when not `http` (the CPython stack's stand-in)
