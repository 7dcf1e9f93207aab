"""Core's app core: its routes and the gateway, built from ports. No I/O of its own."""

from __future__ import annotations

from dataclasses import dataclass

from core import gateway, health
from shared.app import REQUEST_ID_HEADER, App
from shared.errors import not_implemented
from shared.http import Request, Response, json_response
from shared.ports import Clock, Crypto, Database, Service
from shared.routing import Params, Router

# Sent on every core response, errors included. The portal issue tightens the CSP for its pages.
SECURITY_HEADERS = [
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("content-security-policy", "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("cache-control", "no-store"),
]


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


def create_app(deps: CoreDeps) -> App:
    gw = gateway.Gateway(
        services={"customer": deps.customer, "billing": deps.billing, "mailer": deps.mailer},
        db=deps.db,
        clock=deps.clock,
        crypto=deps.crypto,
        internal_secret=deps.internal_secret,
    )
    router = Router()

    @router.route("GET", "/api/v1/health")
    async def get_health(request: Request, params: Params) -> Response:
        report = await health.check(deps.db, gw, deps.domain, request.header(REQUEST_ID_HEADER))
        return json_response(report, 200 if report["status"] == "ok" else 503)

    async def accounts(request: Request, params: Params) -> Response:
        raise not_implemented("accounts", "the accounts issue")

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        router.add(method, "/api/v1/auth/{rest*}", accounts)
        router.add(method, "/api/v1/account/{rest*}", accounts)

    async def dispatch(request: Request) -> Response:
        route = gateway.find(request.path)
        if route is not None:
            return await gw.forward(route, request)
        return await router.dispatch(request)

    return App("core", dispatch, deps.clock, deps.crypto, response_headers=SECURITY_HEADERS)
