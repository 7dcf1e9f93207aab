"""The five app cores wired together in one CPython process: the composition root for tests and
for the quick local stack. Service bindings become in-process calls; D1 becomes one SQLite file
per owning worker; R2 a folder."""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import billing.app as billing
import core.app as core
import customer.app as customer
import domain.app as domain
import mailer.app as mailer
from devstack import ROOT, migrations
from devstack.adapters import (
    FolderBlobStore,
    HashlibCrypto,
    HttpxClient,
    MemoryCache,
    SqliteDatabase,
    SystemClock,
)
from devstack.analytics_standin import AnalyticsSqlStandin, FileDataset
from devstack.cloudflare_standin import CloudflareStandin
from devstack.dns_standin import DnsStandin
from devstack.dotenv import parse_dotenv
from devstack.hubspot_standin import HubSpotStandin
from devstack.sitestores import SqliteSiteStores
from devstack.turnstile_standin import TurnstileStandin
from shared.app import App
from shared.http import Request, Response
from shared.ports import Clock, Crypto, Database, HttpClient
from shared.turnstile import SITEVERIFY_URL

D1_OWNERS = ("core", "customer", "billing", "mailer")


def worker_config(worker: str) -> dict[str, Any]:
    """The worker's wrangler.toml, parsed."""
    path = ROOT / "workers" / worker / "wrangler.toml"
    return _toml(path, path.stat().st_mtime_ns)


def worker_vars(worker: str) -> dict[str, str]:
    """What the worker sees locally: its wrangler.toml [vars], overlaid by its dev vars (as wrangler dev does)."""
    config = worker_config(worker)
    return {**{k: str(v) for k, v in config.get("vars", {}).items()}, **read_dev_vars(worker)}


@functools.lru_cache(maxsize=16)
def _toml(path: Path, mtime_ns: int) -> dict[str, Any]:
    """Parsed once per version of the file (the tests build hundreds of stacks)."""
    return tomllib.loads(path.read_text())


def read_dev_vars(worker: str) -> dict[str, str]:
    """`.dev.vars` when present, else the committed `.dev.vars.example` (so a fresh clone runs)."""
    folder = ROOT / "workers" / worker
    path = folder / ".dev.vars" if (folder / ".dev.vars").exists() else folder / ".dev.vars.example"
    return parse_dotenv(path.read_text())


@dataclass
class Outbound:
    """The outside world as one worker of the stack sees it: each URL prefix answered by its stand-in."""

    routes: dict[str, HttpClient]

    async def fetch(self, request: Request) -> Response:
        for prefix, client in self.routes.items():
            if request.path.startswith(prefix):
                return await client.fetch(request)
        raise ConnectionError(f"the local stack reaches nothing at {request.path}")


@dataclass
class InProcessService:
    """A service binding in one process: the callee's app handles the request directly."""

    app: App | None = None

    async def fetch(self, request: Request) -> Response:
        assert self.app is not None, "service binding used before the stack was wired"
        return await self.app.handle(request)


WORKERS = {"core": core, "customer": customer, "billing": billing, "mailer": mailer, "domain": domain}


@dataclass
class Stack:
    core: App
    customer: App
    billing: App
    mailer: App
    domain: App
    databases: dict[str, SqliteDatabase] = field(default_factory=dict)
    blobs: FolderBlobStore | None = None
    stores: SqliteSiteStores | None = None  # customer's site stores (customer/sitestore.py)
    cloudflare: CloudflareStandin | None = None
    dns: DnsStandin | None = None  # what the world sees (DNS over HTTPS): tests set records as a registrar would
    turnstile: TurnstileStandin | None = None
    # Each worker's settings and ports as bootstrap got them (tests build the Cron jobs from them),
    # and the in-process service bindings that reach the internal workers.
    settings: dict[str, Any] = field(default_factory=dict)
    ports: dict[str, Any] = field(default_factory=dict)
    bindings: dict[str, InProcessService] = field(default_factory=dict)

    def swap_ports(self, worker: str, **changes: Any) -> None:
        """Rebuilds an internal worker with some ports replaced (a store that fails half-way, one that
        yields between calls), as a new isolate would be: its state is in D1 and R2, not in the app."""
        self.ports[worker] = dataclasses.replace(self.ports[worker], **changes)
        app = WORKERS[worker].bootstrap(self.settings[worker], self.ports[worker])
        setattr(self, worker, app)
        self.bindings[worker].app = app

    async def site_db(self, site_id: str) -> Database:
        """Where a site's pages, versions and leads are (tests read them there)."""
        rows = await self.databases["customer"].all("SELECT store FROM sites WHERE id = ?", (site_id,))
        if rows and rows[0]["store"] is None:
            return self.databases["customer"]
        assert self.stores is not None
        return self.stores.database(site_id)

    def close(self) -> None:
        for db in self.databases.values():
            db.close()
        if self.stores is not None:
            self.stores.close()


async def build(
    state: Path,
    clock: Clock | None = None,
    crypto: Crypto | None = None,
    http: HttpClient | None = None,
    stripe: HttpClient | None = None,  # billing's Stripe transport (tests: a StripeStandin); default `http`
    env: dict[str, dict[str, str]] | None = None,  # per worker, values over its wrangler.toml vars + dev vars
    hubspot: HubSpotStandin | None = None,  # the CRM sync on, against this stand-in (else HUBSPOT_TOKEN decides)
) -> Stack:
    """The five workers, each built as its entry.py builds it: `settings_from` on the worker's vars,
    then `bootstrap(settings, ports)` with CPython adapters for its bindings."""
    state.mkdir(parents=True, exist_ok=True)
    clock = clock or SystemClock()
    crypto = crypto or HashlibCrypto()
    http = http or HttpxClient()
    databases = {w: SqliteDatabase(state / f"{w}.sqlite3") for w in D1_OWNERS}
    for worker, db in databases.items():
        await migrations.apply(db, ROOT / "workers" / worker / "migrations")
    blobs = FolderBlobStore(state / "r2" / "smartpages-sites")
    stores = SqliteSiteStores(state / "site-stores", databases["customer"])  # customer's SITE_STORE
    env = dict(env or {})
    if hubspot is not None:  # the CRM sync on, against the stand-in
        env["mailer"] = {"HUBSPOT_TOKEN": hubspot.token, **env.get("mailer", {})}
    settings = {w: module.settings_from({**worker_vars(w), **env.get(w, {})}) for w, module in WORKERS.items()}
    bindings = {w: InProcessService() for w in ("customer", "billing", "mailer", "domain")}
    # siteverify answered by the stand-in (Cloudflare's test keys work); off while no secret is set.
    turnstile = TurnstileStandin(clock)
    cf = settings["customer"]
    dns = DnsStandin(cf.doh_url)
    cloudflare = CloudflareStandin(cf.cf_api_token, cf.cf_zone_id, cf.cf_api_base, dns=dns)
    # Workers Analytics Engine: domain writes points into state/analytics, the SQL API reads them there.
    views = FileDataset(state / "analytics", settings["customer"].analytics_dataset, clock.now)
    analytics_sql = AnalyticsSqlStandin(cf.analytics_api_token, cf.cf_account_id, state / "analytics", cf.cf_api_base)
    ports = {
        "core": core.Ports(
            db=databases["core"],
            customer=bindings["customer"],
            billing=bindings["billing"],
            mailer=bindings["mailer"],
            domain=bindings["domain"],
            clock=clock,
            crypto=crypto,
            http=turnstile,
        ),
        "customer": customer.Ports(
            db=databases["customer"],
            stores=stores,
            blobs=blobs,
            mailer=bindings["mailer"],
            clock=clock,
            crypto=crypto,
            http=Outbound(
                {
                    SITEVERIFY_URL: turnstile,
                    f"{cf.cf_api_base}/accounts/": analytics_sql,
                    cf.cf_api_base: cloudflare,
                    cf.doh_url: dns,
                }
            ),
        ),
        # The dev vars point STRIPE_API_BASE at the stand-in (port 8789): over HTTP unless a test gives one.
        "billing": billing.Ports(
            db=databases["billing"],
            mailer=bindings["mailer"],
            http=stripe or http,
            clock=clock,
            crypto=crypto,
            customer=bindings["customer"],
        ),
        # No RESEND_API_KEY in the dev vars: mail goes to the outbox.
        "mailer": mailer.Ports(db=databases["mailer"], http=http, clock=clock, crypto=crypto, crm_http=hubspot),
        "domain": domain.Ports(
            blobs=blobs,
            clock=clock,
            crypto=crypto,
            cache=MemoryCache(clock),
            analytics=views,
            customer=bindings["customer"],
        ),
    }
    apps = {w: module.bootstrap(settings[w], ports[w]) for w, module in WORKERS.items()}
    for worker, binding in bindings.items():
        binding.app = apps[worker]
    return Stack(
        **apps,
        databases=databases,
        blobs=blobs,
        stores=stores,
        cloudflare=cloudflare,
        dns=dns,
        turnstile=turnstile,
        settings=settings,
        ports=ports,
        bindings=bindings,
    )
