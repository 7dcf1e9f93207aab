"""Mailer's app core. Sending and Resend webhooks are the accounts issue's work: 501 until then."""

from __future__ import annotations

from dataclasses import dataclass

from shared import health
from shared.app import App
from shared.errors import not_implemented
from shared.http import Request, Response, json_response
from shared.internal import InternalGuard
from shared.ports import Clock, Crypto, Database, HttpClient
from shared.routing import Params, Router

TABLES = ("emails", "suppressions")


@dataclass
class MailerDeps:
    db: Database
    http: HttpClient
    clock: Clock
    crypto: Crypto
    internal_secret: str


def create_app(deps: MailerDeps) -> App:
    router = Router()

    @router.route("GET", "/internal/health")
    async def get_health(request: Request, params: Params) -> Response:
        return json_response(health.report("mailer", {"d1": await health.check_database(deps.db, TABLES)}))

    async def mail(request: Request, params: Params) -> Response:
        raise not_implemented("mail", "the accounts and mail issue")

    router.add("POST", "/internal/send", mail)
    router.add("POST", "/api/v1/webhooks/resend", mail)

    guard = InternalGuard(router, deps.crypto, deps.clock, deps.internal_secret)
    return App("mailer", guard, deps.clock, deps.crypto)
