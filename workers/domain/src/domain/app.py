"""Domain's app core: maps the Host header to a published site in R2 and serves it.

Customer writes `hosts/<host>.json` (the live pointer, see customer/publish.py); this worker only
reads it and the content-addressed files it names. A host without a pointer gets SmartPages' own
404 page, never a byte of any tenant's content.

The composition root, as in every worker: `settings_from(env)`, then `bootstrap(settings, ports)`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain import delivery, forms, views
from domain.hosts import Hosts
from domain.pages import error_page
from shared import health, hostnames
from shared.app import App
from shared.deadline import SERVICE_SECONDS, Timed
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.log import log
from shared.ports import Analytics, BlobStore, Cache, Clock, Crypto, DataPoint, Service
from shared.settings import reader
from shared.site_layout import FORM_PREFIX

HEALTH_PATH = "/_smartpages/health"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")

SECURITY_HEADERS = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
]


@dataclass(frozen=True)
class Settings:
    """The worker's vars (shared.settings)."""

    pointer_cache_seconds: int = 30  # how long a data centre may keep serving a replaced pointer
    internal_secret: str = ""  # signs the lead forms forwarded to customer (domain/forms.py); "": forms off


settings_from = reader(Settings)  # env -> Settings, or SettingsError naming what is missing


@dataclass(kw_only=True)  # built by keyword: a port added later never shifts the others
class Ports:
    blobs: BlobStore  # R2, read only
    clock: Clock
    crypto: Crypto
    cache: Cache | None = None  # the Cache API; None: every view reads R2
    analytics: Analytics | None = None  # Workers Analytics Engine; None: views are not counted
    customer: Service | None = None  # the CUSTOMER binding: lead forms posted to the site's host


def site_host(request: Request) -> str:
    """The Host header, lower-cased, without its port; 400 when it is not a hostname."""
    host = request.header("host").strip().lower().rstrip(".")
    name, _, port = host.partition(":")
    if not _HOSTNAME.match(name) or (port and not port.isdigit()):
        raise HttpError(400, "invalid_host", "The Host header is not a valid hostname.")
    return name


def counts_as_view(request: Request, response: Response, host: str) -> bool:
    """A page view: a GET answered with a page (200, or 304 when the browser's copy was still good),
    not a file, a range, a HEAD or an owner's preview."""
    if request.method != "GET" or response.status not in (200, 304) or hostnames.is_preview(host):
        return False
    return any(name == "content-type" and value.startswith("text/html") for name, value in response.headers)


def record_view(analytics: Analytics, point: DataPoint) -> None:
    """Counting never costs a visitor the page: the write is handed over, not awaited, and a refusal
    is logged, not raised."""
    try:
        analytics.write(point)
    except Exception as exc:
        log("analytics_write_failed", exc)


def bootstrap(settings: Settings, ports: Ports) -> App:
    hosts = Hosts(ports.blobs, ports.cache, ports.clock, settings.pointer_cache_seconds)
    customer = Timed(ports.customer, SERVICE_SECONDS, "the customer worker") if ports.customer else None

    async def dispatch(request: Request) -> Response:
        if request.path == HEALTH_PATH:
            if request.method not in ("GET", "HEAD"):
                raise HttpError(405, "method_not_allowed", "Use GET.", [("allow", "GET, HEAD")])
            return json_response(health.report("domain", {"r2": await health.check_blob_store(ports.blobs)}))
        form = request.path.startswith(FORM_PREFIX)
        if request.method not in ("GET", "HEAD") and not form:
            raise HttpError(405, "method_not_allowed", "Published sites are read-only.", [("allow", "GET, HEAD")])
        host = site_host(request)
        live = await hosts.live(host)
        if live is None:
            raise HttpError(404, "unknown_host", f"No SmartPages site is published at {host}.")
        if live.redirect is not None:
            # A form posted to a host that redirects (an apex to www) goes on as a post (307).
            status = 307 if form and request.method not in ("GET", "HEAD") else live.redirect_status
            return delivery.redirect(live.redirect + delivery.location_suffix(request), live, status)
        if form:
            secret, clock = settings.internal_secret, ports.clock
            return await forms.forward(customer, secret, ports.crypto, clock, host, live, request)
        response = await delivery.serve(hosts, host, live, request, request.path)
        if ports.analytics is not None and counts_as_view(request, response, host):
            record_view(ports.analytics, views.view_point(live.site, host, request))
        return response

    # Views are the bulk of all traffic: a line per view would be most of the logs, and each costs a
    # crossing into JavaScript (print: 0.1-0.2 ms on the lane). Workers Logs' invocation logs
    # ([observability] in wrangler.toml) already record every request. Errors keep their line.
    return App(
        "domain",
        dispatch,
        ports.clock,
        ports.crypto,
        render_error=error_page,
        response_headers=SECURITY_HEADERS,
        log_errors_only=True,
    )
