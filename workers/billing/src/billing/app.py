"""Billing's app core. Checkout, webhooks and entitlements are the billing issue's work: 501 until then."""

from __future__ import annotations

from dataclasses import dataclass

from shared import health
from shared.app import App
from shared.errors import not_implemented
from shared.http import Request, Response, json_response
from shared.internal import InternalGuard
from shared.ports import Clock, Crypto, Database, HttpClient, Service
from shared.routing import Params, Router

TABLES = ("subscriptions", "processed_events")


@dataclass
class BillingDeps:
    db: Database
    mailer: Service
    http: HttpClient
    clock: Clock
    crypto: Crypto
    internal_secret: str


def create_app(deps: BillingDeps) -> App:
    router = Router()

    @router.route("GET", "/internal/health")
    async def get_health(request: Request, params: Params) -> Response:
        return json_response(health.report("billing", {"d1": await health.check_database(deps.db, TABLES)}))

    async def billing(request: Request, params: Params) -> Response:
        raise not_implemented("billing", "the billing issue")

    for method in ("GET", "POST"):
        router.add(method, "/api/v1/billing/{rest*}", billing)
    router.add("POST", "/api/v1/webhooks/stripe", billing)

    guard = InternalGuard(router, deps.crypto, deps.clock, deps.internal_secret)
    return App("billing", guard, deps.clock, deps.crypto)
