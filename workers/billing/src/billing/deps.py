"""What billing's app core is built from: its settings (read from env by `settings_from`) and its
ports. `billing.app.bootstrap(settings, ports)` wires them; entry.py, devstack/stack.py and the tests
all call it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from billing.eventlog import STALE_CLAIM_SECONDS
from billing.stripe import API_BASE, Sleep
from shared.ports import Clock, Crypto, Database, HttpClient, Queue, Service
from shared.settings import reader


@dataclass(frozen=True)
class Settings:
    """The worker's vars and secrets (shared.settings: fields without a default are required)."""

    internal_secret: str
    portal_origin: str  # where Stripe sends the customer back
    stripe_secret_key: str = ""  # sk_…; without it checkout and portal answer 503
    stripe_webhook_secret: str = ""  # whsec_…; without it webhooks answer 500
    stripe_prices: str = ""  # `starter=price_…,pro=price_…` (default: shared/plans.py's)
    stripe_api_base: str = API_BASE  # the local stand-in instead of api.stripe.com
    event_claim_seconds: float = STALE_CLAIM_SECONDS  # when a dead delivery's claim on an event is taken over


settings_from = reader(Settings)  # env -> Settings, or SettingsError naming what is missing


@dataclass(kw_only=True)  # built by keyword: a port added later never shifts the others
class Ports:
    db: Database
    mailer: Service
    http: HttpClient  # to Stripe (or the stand-in)
    clock: Clock
    crypto: Crypto
    sleep: Sleep = asyncio.sleep  # between Stripe retries
    customer: Service | None = None  # CUSTOMER: the day-14 domain cut-over (billing.downgrades)
    jobs: Queue | None = None  # JOBS: the scheduled jobs' steps; without it (tests) they run inline
