"""The five app cores wired together in one CPython process: the composition root for tests and
for the quick local stack. Service bindings become in-process calls; D1 becomes one SQLite file
per owning worker; R2 a folder."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from billing.app import BillingDeps
from billing.app import create_app as billing_app
from core.app import create_app as core_app
from core.deps import CoreDeps
from customer.app import CustomerDeps
from customer.app import create_app as customer_app
from devstack import ROOT, migrations
from devstack.adapters import FolderBlobStore, HashlibCrypto, HttpxClient, SqliteDatabase, SystemClock
from domain.app import DomainDeps
from domain.app import create_app as domain_app
from mailer.app import DEFAULT_MAIL_FROM, MailerDeps
from mailer.app import create_app as mailer_app
from shared.app import App
from shared.http import Request, Response
from shared.ports import Clock, Crypto, HttpClient

D1_OWNERS = ("core", "customer", "billing", "mailer")


def worker_vars(worker: str) -> dict[str, str]:
    """What the worker sees locally: its wrangler.toml [vars], overlaid by its dev vars (as wrangler dev does)."""
    config = tomllib.loads((ROOT / "workers" / worker / "wrangler.toml").read_text())
    return {**{k: str(v) for k, v in config.get("vars", {}).items()}, **read_dev_vars(worker)}


def read_dev_vars(worker: str) -> dict[str, str]:
    """`.dev.vars` when present, else the committed `.dev.vars.example` (so a fresh clone runs)."""
    folder = ROOT / "workers" / worker
    path = folder / ".dev.vars" if (folder / ".dev.vars").exists() else folder / ".dev.vars.example"
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            values[name.strip()] = value.strip().strip('"')
    return values


@dataclass
class InProcessService:
    """A service binding in one process: the callee's app handles the request directly."""

    app: App | None = None

    async def fetch(self, request: Request) -> Response:
        assert self.app is not None, "service binding used before the stack was wired"
        return await self.app.handle(request)


@dataclass
class Stack:
    core: App
    customer: App
    billing: App
    mailer: App
    domain: App
    databases: dict[str, SqliteDatabase] = field(default_factory=dict)
    blobs: FolderBlobStore | None = None

    def close(self) -> None:
        for db in self.databases.values():
            db.close()


async def build(
    state: Path, clock: Clock | None = None, crypto: Crypto | None = None, http: HttpClient | None = None
) -> Stack:
    state.mkdir(parents=True, exist_ok=True)
    clock = clock or SystemClock()
    crypto = crypto or HashlibCrypto()
    http = http or HttpxClient()
    databases = {w: SqliteDatabase(state / f"{w}.sqlite3") for w in D1_OWNERS}
    for worker, db in databases.items():
        await migrations.apply(db, ROOT / "workers" / worker / "migrations")
    blobs = FolderBlobStore(state / "r2" / "smartpages-sites")
    secret = {w: read_dev_vars(w).get("INTERNAL_SECRET", "") for w in D1_OWNERS}

    customer_binding, billing_binding, mailer_binding, domain_binding = (InProcessService() for _ in range(4))
    mailer_vars = worker_vars("mailer")  # no RESEND_API_KEY in the dev vars: mail goes to the outbox
    mailer = mailer_app(
        MailerDeps(
            databases["mailer"],
            http,
            clock,
            crypto,
            secret["mailer"],
            resend_api_key=mailer_vars.get("RESEND_API_KEY", ""),
            webhook_secret=mailer_vars.get("RESEND_WEBHOOK_SECRET", ""),
            mail_from=mailer_vars.get("MAIL_FROM", DEFAULT_MAIL_FROM),
        )
    )
    customer = customer_app(
        CustomerDeps(databases["customer"], blobs, mailer_binding, clock, crypto, secret["customer"])
    )
    billing = billing_app(BillingDeps(databases["billing"], mailer_binding, http, clock, crypto, secret["billing"]))
    domain = domain_app(DomainDeps(blobs, clock, crypto))
    core_vars = worker_vars("core")
    core = core_app(
        CoreDeps(
            databases["core"],
            customer_binding,
            billing_binding,
            mailer_binding,
            domain_binding,
            clock,
            crypto,
            secret["core"],
            portal_origin=core_vars["PORTAL_ORIGIN"],
            dev_outbox=core_vars.get("DEV_OUTBOX") == "1",
        )
    )
    customer_binding.app, billing_binding.app, mailer_binding.app, domain_binding.app = (
        customer,
        billing,
        mailer,
        domain,
    )
    return Stack(core, customer, billing, mailer, domain, databases, blobs)
