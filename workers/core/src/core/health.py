"""GET /api/v1/health: liveness for anyone; the deep check (core, its store, and every other worker
reached through its binding) only for the operator's token."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from core.gateway import Gateway
from shared import health
from shared.app import REQUEST_ID_HEADER
from shared.errors import HttpError
from shared.http import Request
from shared.internal_auth import Identity
from shared.log import log
from shared.ports import Database, Service
from shared.schema import Choice, Field

TABLES = ("accounts", "sessions")
LIVE = {"status": "ok", "worker": "core"}
QUERY: dict[str, Field] = {"deep": Choice(("0", "1"), default="0")}  # 1: every store and worker (operator only)


def require_operator(request: Request, operator_token: str) -> None:
    """`Authorization: Bearer <OPERATOR_TOKEN>`, compared in constant time; no token set: nobody."""
    scheme, _, given = request.header("authorization").partition(" ")
    if (
        not operator_token
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(given.encode(), operator_token.encode())
    ):
        raise HttpError(
            401,
            "operator_token_required",
            "Send the operator token as Authorization: Bearer ….",
            [("www-authenticate", 'Bearer realm="operator"')],
        )


INTERNAL_WORKERS = ("customer", "billing", "mailer")
DOMAIN_HEALTH_PATH = "/_smartpages/health"


async def _internal(gateway: Gateway, worker: str, request_id: str) -> dict[str, Any]:
    request = Request("GET", "/internal/health", headers={REQUEST_ID_HEADER: request_id})
    return await _ask(worker, gateway.call(worker, request, Identity()))


async def _ask(worker: str, pending: Any) -> dict[str, Any]:
    try:
        response = await pending
        data = response.json()
        if response.status == 200 and isinstance(data, dict):
            return data
        return {"worker": worker, "status": "down", "detail": f"HTTP {response.status}"}
    except Exception as exc:  # One unreachable worker is a degraded report, not a failed route.
        log("health_worker_down", exc, checked=worker)
        return {"worker": worker, "status": "down", "detail": type(exc).__name__}


async def check(db: Database, gateway: Gateway, domain: Service, request_id: str) -> dict[str, Any]:
    own = health.report("core", {"d1": await health.check_database(db, TABLES)})
    domain_request = Request(
        "GET", DOMAIN_HEALTH_PATH, headers={"host": "health.internal", REQUEST_ID_HEADER: request_id}
    )
    others = await asyncio.gather(
        *(_internal(gateway, w, request_id) for w in INTERNAL_WORKERS), _ask("domain", domain.fetch(domain_request))
    )
    workers = {"core": own, **{str(r["worker"]): r for r in others}}
    status = "ok" if all(w["status"] == "ok" for w in workers.values()) else "degraded"
    return {"status": status, "workers": workers}
