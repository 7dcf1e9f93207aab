"""The paywall: billing is the source of truth for an account's plan; core enforces it.

A gated route names the entitlement it needs; an account whose plan lacks it gets 402 with a code
naming the cheapest plan that unlocks it (`requires_starter_plan`) and `required_plan` for the
portal (shared.plans.require). If billing cannot answer, gated actions fail closed (503)."""

from __future__ import annotations

from typing import Protocol

from shared import plans
from shared.errors import HttpError
from shared.http import Request, Response
from shared.internal_auth import Identity
from shared.log import log


class WorkerCaller(Protocol):
    async def call(self, worker: str, request: Request, identity: Identity) -> Response: ...


async def effective_plan(caller: WorkerCaller, account_id: str, request_id: str) -> plans.Plan:
    request = Request("GET", f"/internal/entitlements/{account_id}", headers={"x-request-id": request_id})
    try:
        reply = await caller.call("billing", request, Identity(account_id=account_id))
        plan_id = reply.json()["plan"] if reply.status == 200 else None
    except Exception as exc:
        log("entitlements_unreadable", exc, account=account_id)
        plan_id = None
    if not isinstance(plan_id, str):
        raise HttpError(503, "billing_unavailable", "We cannot check your plan just now. Try again in a minute.")
    return plans.get(plan_id)
