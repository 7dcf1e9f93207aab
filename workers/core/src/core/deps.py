"""What core's app core is built from: ports and settings, wired by entry.py or devstack."""

from __future__ import annotations

from dataclasses import dataclass

from shared.ports import Clock, Crypto, Database, Service


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
    # OPERATOR_TOKEN: the operator report's bearer token; unset, the report does not exist.
    operator_token: str = ""
