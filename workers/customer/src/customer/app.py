"""Customer's app core. Sites, publishing and domains are the sites issue's work: 501 until then."""

from __future__ import annotations

from dataclasses import dataclass

from customer import accounts
from shared import health
from shared.app import App
from shared.errors import not_implemented
from shared.http import Request, Response, json_response
from shared.internal import InternalGuard
from shared.ports import BlobStore, Clock, Crypto, Database, Service
from shared.routing import Params, Router

TABLES = ("customers", "sites", "domains")


@dataclass
class CustomerDeps:
    db: Database
    blobs: BlobStore
    mailer: Service
    clock: Clock
    crypto: Crypto
    internal_secret: str


def create_app(deps: CustomerDeps) -> App:
    router = Router()

    @router.route("GET", "/internal/health")
    async def get_health(request: Request, params: Params) -> Response:
        stores = {
            "d1": await health.check_database(deps.db, TABLES),
            "r2": await health.check_blob_store(deps.blobs, write=f"{deps.clock.now()}".encode()),
        }
        return json_response(health.report("customer", stores))

    @router.route("DELETE", "/internal/accounts/{account_id}")
    async def delete_account(request: Request, params: Params) -> Response:
        return await accounts.delete_account_data(deps.db, request, params["account_id"])

    async def sites(request: Request, params: Params) -> Response:
        raise not_implemented("sites", "the sites issue")

    for prefix in ("/api/v1/sites", "/api/v1/assets", "/api/v1/domains"):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            router.add(method, prefix, sites)
            router.add(method, prefix + "/{rest*}", sites)

    guard = InternalGuard(router, deps.crypto, deps.clock, deps.internal_secret)
    return App("customer", guard, deps.clock, deps.crypto)
