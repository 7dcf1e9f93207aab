"""What customer's app core is built from: ports and settings, wired by entry.py or devstack."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared import hostnames
from shared.ports import BlobStore, Clock, Crypto, Database, HttpClient, Service
from shared.turnstile import Turnstile

CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"


@dataclass(frozen=True)
class Settings:
    sites_domain: str = "smartpages.site"  # every site's default host is <slug>.<sites_domain>
    sites_scheme: str = "https"
    sites_port: str = ""  # only locally: <slug>.localhost:8788
    portal_origin: str = "https://www.smartpages.online"  # where lead forms post (core's public endpoint)
    cf_api_base: str = CLOUDFLARE_API
    cf_api_token: str = ""  # secret CF_API_TOKEN (Custom Hostnames edit on the sites zone)
    cf_zone_id: str = ""  # secret CF_ZONE_ID
    cname_target: str = ""  # where customers point their CNAME; default edge.<sites_domain>

    def origin(self, host: str) -> str:
        port = f":{self.sites_port}" if self.sites_port else ""
        return f"{self.sites_scheme}://{host}{port}"

    def default_host(self, slug: str) -> str:
        return f"{slug}.{self.sites_domain}"

    def preview_host(self, token: str) -> str:
        return hostnames.preview_host(token, self.sites_domain)

    @property
    def saas_target(self) -> str:
        return self.cname_target or f"edge.{self.sites_domain}"


@dataclass
class CustomerDeps:
    db: Database
    blobs: BlobStore
    mailer: Service
    clock: Clock
    crypto: Crypto
    internal_secret: str
    http: HttpClient | None = None  # Cloudflare's API; None: custom domains answer 503
    settings: Settings = field(default_factory=Settings)
    # Published lead forms carry a Turnstile widget and are checked with siteverify (off without a secret).
    turnstile: Turnstile = field(default_factory=lambda: Turnstile(None))
