"""Domain's app core: maps the Host header to a published site in R2.

Publishing and delivery are the sites issue's work; until then a host with a site record answers
501, and every other host gets SmartPages' 404 page with none of any tenant's content."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.pages import error_page
from shared import health
from shared.app import App
from shared.errors import HttpError, not_implemented
from shared.http import Request, Response, json_response
from shared.ports import BlobStore, Clock, Crypto

HEALTH_PATH = "/_smartpages/health"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")

SECURITY_HEADERS = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
]


@dataclass
class DomainDeps:
    blobs: BlobStore
    clock: Clock
    crypto: Crypto


def site_host(request: Request) -> str:
    """The Host header, lower-cased, without its port; 400 when it is not a hostname."""
    host = request.header("host").strip().lower().rstrip(".")
    name, _, port = host.partition(":")
    if not _HOSTNAME.match(name) or (port and not port.isdigit()):
        raise HttpError(400, "invalid_host", "The Host header is not a valid hostname.")
    return name


def create_app(deps: DomainDeps) -> App:
    async def dispatch(request: Request) -> Response:
        if request.path == HEALTH_PATH:
            if request.method not in ("GET", "HEAD"):
                raise HttpError(405, "method_not_allowed", "Use GET.", [("allow", "GET, HEAD")])
            return json_response(health.report("domain", {"r2": await health.check_blob_store(deps.blobs)}))
        if request.method not in ("GET", "HEAD"):
            raise HttpError(405, "method_not_allowed", "Published sites are read-only.", [("allow", "GET, HEAD")])
        host = site_host(request)
        if await deps.blobs.get(f"hosts/{host}.json") is None:
            raise HttpError(404, "unknown_host", f"No SmartPages site is published at {host}.")
        raise not_implemented("site_delivery", "the sites issue")

    return App("domain", dispatch, deps.clock, deps.crypto, render_error=error_page, response_headers=SECURITY_HEADERS)
