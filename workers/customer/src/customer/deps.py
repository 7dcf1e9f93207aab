"""What customer's app core is built from: its settings (read from env by `settings_from`) and its
ports, bundled with what they make (`CustomerDeps.of`). `customer.app.bootstrap(settings, ports)` wires
them; entry.py, devstack/stack.py and the tests all call it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from customer.model import Site
from customer.sitestore import IN_D1, SiteStores
from shared import hostnames
from shared.deadline import MAILER_SECONDS, PROVIDER_SECONDS, Timed
from shared.mail import MailClient
from shared.ports import BlobStore, Clock, Crypto, Database, HttpClient, Queue, Row, Service, SqlValue
from shared.settings import reader
from shared.turnstile import SITEVERIFY_SECONDS, Turnstile

CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """The worker's vars and secrets (shared.settings: fields without a default are required)."""

    internal_secret: str
    sites_domain: str  # every site's default host is <slug>.<sites_domain>
    portal_origin: str  # where lead forms post (core's public endpoint) and the owner's links point
    sites_scheme: str = "https"
    sites_port: str = ""  # only locally: <slug>.localhost:8788
    cf_api_base: str = CLOUDFLARE_API
    cf_api_token: str = ""  # secret (Custom Hostnames edit on the sites zone); empty: domains answer 503
    cf_zone_id: str = ""  # secret
    # The domains' live check asks DNS over HTTPS in JSON (customer/dnscheck.py): Cloudflare's
    # public resolver; locally and in the lane the stand-in (devstack/dns_standin.py).
    doh_url: str = "https://cloudflare-dns.com/dns-query"
    # Insights (customer/insights.py): Analytics Engine's SQL API at cf_api_base, with an account token
    # that has "Account Analytics: Read" only. Empty: Insights answer 503 (docs/sites.md).
    cf_account_id: str = ""
    analytics_api_token: str = ""  # secret
    analytics_dataset: str = "smartpages_views"  # the domain worker's [[analytics_engine_datasets]] dataset
    # Published lead forms carry a Turnstile widget and are checked with siteverify (off without a secret).
    turnstile_secret_key: str = ""
    turnstile_site_key: str = ""
    # Cloudflare for SaaS caps custom hostnames per zone (50,000 below Enterprise): past it, a new
    # domain is refused in plain words instead of failing at Cloudflare (docs/deploying.md).
    custom_hostname_limit: int = 50_000

    def origin(self, host: str) -> str:
        port = f":{self.sites_port}" if self.sites_port else ""
        return f"{self.sites_scheme}://{host}{port}"

    def default_host(self, slug: str) -> str:
        return f"{slug}.{self.sites_domain}"

    def preview_host(self, token: str) -> str:
        return hostnames.preview_host(token, self.sites_domain)

    @property
    def saas_target(self) -> str:
        return f"edge.{self.sites_domain}"  # where customers point their CNAME


settings_from = reader(Settings)  # env -> Settings, or SettingsError naming what is missing


@dataclass(kw_only=True)  # built by keyword: a port added later never shifts the others
class Ports:
    db: Database
    stores: SiteStores  # SITE_STORE: a Durable Object per site (customer/sitestore.py)
    blobs: BlobStore  # R2
    mailer: Service
    clock: Clock
    crypto: Crypto
    http: HttpClient  # Cloudflare's API and Turnstile's siteverify
    jobs: Queue | None = None  # JOBS: the scheduled jobs' steps; without it (tests) they run inline


@dataclass
class CustomerDeps:
    db: Database  # D1: the index (customers, sites, domains, members) and the sites not moved yet
    stores: SiteStores
    blobs: BlobStore
    clock: Clock
    crypto: Crypto
    http: HttpClient  # Cloudflare's API and DNS over HTTPS, Timed (PROVIDER_SECONDS)
    settings: Settings
    mail: MailClient
    turnstile: Turnstile

    def site_db(self, site: Site) -> Database:
        """Where this site's pages, versions, uploads, leads, history and activity are."""
        store = self.stores.database(site.id)
        return store if site.store != IN_D1 else _InD1(self.db, store)

    @property
    def internal_secret(self) -> str:
        return self.settings.internal_secret

    @classmethod
    def of(cls, settings: Settings, ports: Ports) -> CustomerDeps:
        # The composition root: every outbound port with its deadline (shared.deadline), applied once, here.
        mailer = Timed(ports.mailer, MAILER_SECONDS, "the mailer")
        siteverify = Timed(ports.http, SITEVERIFY_SECONDS, "Turnstile siteverify")
        cloudflare = Timed(ports.http, PROVIDER_SECONDS, "Cloudflare's API")  # custom hostnames, Analytics Engine
        mail = MailClient(mailer, ports.crypto, ports.clock, settings.internal_secret, "customer")
        turnstile = Turnstile(siteverify, settings.turnstile_secret_key, settings.turnstile_site_key)
        return cls(
            ports.db, ports.stores, ports.blobs, ports.clock, ports.crypto, cloudflare, settings, mail, turnstile
        )


class _InD1:
    """A site whose rows are still in D1. If it moved after its row was read, D1's triggers refuse
    the write ('site_moved', migration 0017) and the write goes to its store, where the rows now are."""

    def __init__(self, d1: Database, store: Database) -> None:
        self._d1, self._store = d1, store

    async def _either(self, call: Callable[[Database], Awaitable[T]]) -> T:
        try:
            return await call(self._d1)
        except Exception as exc:
            if "site_moved" not in str(exc):
                raise
            return await call(self._store)

    async def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        return await self._either(lambda db: db.all(sql, params))

    async def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return await self._either(lambda db: db.run(sql, params))

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        await self._either(lambda db: db.batch(statements))
