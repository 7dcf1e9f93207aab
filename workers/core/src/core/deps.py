"""What core's app core is built from: its settings (read from env by `settings_from`) and its ports.
`core.app.bootstrap(settings, ports)` wires them; entry.py, devstack/stack.py and the tests all call it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.ports import Clock, Crypto, Database, HttpClient, Queue, Service
from shared.settings import reader


@dataclass(frozen=True)
class Settings:
    """The worker's vars and secrets (shared.settings: fields without a default are required)."""

    internal_secret: str
    portal_origin: str  # the only Origin unsafe requests may come from (csrf), and the base of emailed links
    # A secret: the deep health check and the operator report answer only to it; empty, the health
    # check answers nobody and the report does not exist.
    operator_token: str = ""
    # Sign-up, forgot-password and magic-link forms need a passed Turnstile challenge (off without a secret).
    turnstile_secret_key: str = ""
    turnstile_site_key: str = ""
    dev_outbox: bool = False  # "1": the local stack's mail outbox page, proxied from mailer; never in production


settings_from = reader(Settings)  # env -> Settings, or SettingsError naming what is missing


@dataclass(kw_only=True)  # built by keyword: a port added later never shifts the others
class Ports:
    db: Database
    customer: Service
    billing: Service
    mailer: Service
    domain: Service
    clock: Clock
    crypto: Crypto
    http: HttpClient  # Turnstile's siteverify
    jobs: Queue | None = None  # JOBS: the scheduled jobs' steps; without it (tests) they run inline
