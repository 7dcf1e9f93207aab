"""What core's app core is built from: ports and settings, wired by entry.py or devstack."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.ports import Clock, Crypto, Database, Service
from shared.turnstile import Turnstile


@dataclass
class CoreDeps:
    db: Database
    customer: Service
    billing: Service
    mailer: Service
    domain: Service
    clock: Clock
    crypto: Crypto
    internal_secret: str
    portal_origin: str = "https://www.smartpages.online"
    # The local stack's mail outbox page, proxied from mailer; never set in production.
    dev_outbox: bool = False
    # Sign-up, forgot-password and magic-link forms need a passed Turnstile challenge (off without a secret).
    turnstile: Turnstile = field(default_factory=lambda: Turnstile(None))
    # OPERATOR_TOKEN (a secret): the deep health check and the operator report answer only to it;
    # empty, the health check answers nobody and the report does not exist.
    operator_token: str = ""
