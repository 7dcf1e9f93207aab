"""The five app cores wired together in one CPython process: the composition root for tests and
for the quick local stack. Service bindings become in-process calls; D1 becomes one SQLite file
per owning worker; R2 a folder."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from billing.app import BillingDeps
from billing.app import create_app as billing_app
from billing.stripe import API_BASE as STRIPE_API
from core.app import create_app as core_app
from core.deps import CoreDeps
from customer.app import CustomerDeps, Settings
from customer.app import create_app as customer_app
from devstack import ROOT, migrations
from devstack.adapters import (
    FolderBlobStore,
    HashlibCrypto,
    HttpxClient,
    MemoryCache,
    SqliteDatabase,
    SystemClock,
)
from devstack.cloudflare_standin import CloudflareStandin
from devstack.dotenv import parse_dotenv
from devstack.hubspot_standin import HubSpotStandin
from devstack.turnstile_standin import TurnstileStandin
from domain.app import DomainDeps
from domain.app import create_app as domain_app
from mailer.app import DEFAULT_MAIL_FROM, MailerDeps
from mailer.app import create_app as mailer_app
from mailer.hubspot import API_BASE as HUBSPOT_API
from shared.app import App
from shared.http import Request, Response
from shared.ports import Clock, Crypto, HttpClient
from shared.turnstile import Turnstile

D1_OWNERS = ("core", "customer", "billing", "mailer")


def worker_vars(worker: str) -> dict[str, str]:
    """What the worker sees locally: its wrangler.toml [vars], overlaid by its dev vars (as wrangler dev does)."""
    config = tomllib.loads((ROOT / "workers" / worker / "wrangler.toml").read_text())
    return {**{k: str(v) for k, v in config.get("vars", {}).items()}, **read_dev_vars(worker)}


def read_dev_vars(worker: str) -> dict[str, str]:
    """`.dev.vars` when present, else the committed `.dev.vars.example` (so a fresh clone runs)."""
    folder = ROOT / "workers" / worker
    path = folder / ".dev.vars" if (folder / ".dev.vars").exists() else folder / ".dev.vars.example"
    return parse_dotenv(path.read_text())


def customer_settings(values: dict[str, str]) -> Settings:
    return Settings(
        sites_domain=values.get("SITES_DOMAIN", "smartpages.site"),
        sites_scheme=values.get("SITES_SCHEME", "https"),
        sites_port=values.get("SITES_PORT", ""),
        portal_origin=values.get("PORTAL_ORIGIN", "https://www.smartpages.online"),
        cf_api_token=values.get("CF_API_TOKEN", ""),
        cf_zone_id=values.get("CF_ZONE_ID", ""),
    )


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
    cloudflare: CloudflareStandin | None = None
    customer_deps: CustomerDeps | None = None  # tests swap its ports (a store that fails half-way)
    turnstile: TurnstileStandin | None = None
    billing_deps: BillingDeps | None = None  # the scheduled job is built from them

    def close(self) -> None:
        for db in self.databases.values():
            db.close()


async def build(
    state: Path,
    clock: Clock | None = None,
    crypto: Crypto | None = None,
    http: HttpClient | None = None,
    stripe: HttpClient | None = None,  # billing's Stripe transport (tests: a StripeStandin); default `http`
    hubspot: HubSpotStandin | None = None,  # the CRM sync on, against this stand-in (else HUBSPOT_TOKEN decides)
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
            hubspot_token=hubspot.token if hubspot else mailer_vars.get("HUBSPOT_TOKEN", ""),
            hubspot_api_base=mailer_vars.get("HUBSPOT_API_BASE", HUBSPOT_API),
            crm_http=hubspot,
        )
    )
    # siteverify answered by the stand-in (Cloudflare's test keys work); off while no secret is set.
    turnstile = TurnstileStandin(clock)
    customer_vars = worker_vars("customer")
    cloudflare = CloudflareStandin(customer_vars.get("CF_API_TOKEN", ""), customer_vars.get("CF_ZONE_ID", ""))
    customer_deps = CustomerDeps(
        databases["customer"],
        blobs,
        mailer_binding,
        clock,
        crypto,
        secret["customer"],
        http=cloudflare,
        settings=customer_settings(customer_vars),
        turnstile=Turnstile(
            turnstile, customer_vars.get("TURNSTILE_SECRET_KEY", ""), customer_vars.get("TURNSTILE_SITE_KEY", "")
        ),
    )
    customer = customer_app(customer_deps)
    billing_vars = worker_vars("billing")  # the dev vars point STRIPE_API_BASE at the stand-in (port 8789)
    billing_deps = BillingDeps(
        databases["billing"],
        mailer_binding,
        stripe or http,
        clock,
        crypto,
        secret["billing"],
        stripe_secret_key=billing_vars.get("STRIPE_SECRET_KEY", ""),
        webhook_secret=billing_vars.get("STRIPE_WEBHOOK_SECRET", ""),
        portal_origin=billing_vars.get("PORTAL_ORIGIN", ""),
        stripe_prices=billing_vars.get("STRIPE_PRICES", ""),
        stripe_api_base=billing_vars.get("STRIPE_API_BASE", STRIPE_API),
        customer=customer_binding,
    )
    billing = billing_app(billing_deps)
    domain_vars = worker_vars("domain")
    domain = domain_app(
        DomainDeps(blobs, clock, crypto, MemoryCache(clock), int(domain_vars.get("POINTER_CACHE_SECONDS", "30")))
    )
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
            turnstile=Turnstile(
                turnstile, core_vars.get("TURNSTILE_SECRET_KEY", ""), core_vars.get("TURNSTILE_SITE_KEY", "")
            ),
            operator_token=core_vars.get("OPERATOR_TOKEN", ""),
        )
    )
    customer_binding.app, billing_binding.app, mailer_binding.app, domain_binding.app = (
        customer,
        billing,
        mailer,
        domain,
    )
    return Stack(
        core, customer, billing, mailer, domain, databases, blobs, cloudflare, customer_deps, turnstile, billing_deps
    )
