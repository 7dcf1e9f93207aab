"""The account's data across the workers: everything we hold, as one download (GDPR art. 20), and
deleting it all."""

from __future__ import annotations

import json
from typing import Any

from core import account_store, deletion, links, sessions
from core.account_commands import ConfirmPassword
from core.services import Caller, Services
from shared.errors import UpstreamFailed
from shared.http import Request
from shared.internal_auth import Identity

EXPORT_FORMAT = "smartpages-export/1"


async def delete_account(svc: Services, session: sessions.Session, command: ConfirmPassword, caller: Caller) -> float:
    """Schedules the deletion (core/deletion.py): the subscription cancelled at once, the sites
    offline, everyone logged out; signing in within 14 days restores everything. Returns when the
    account will be deleted."""
    account = await account_store.by_id(svc.ports.db, session.account_id)
    await links.check_password(svc, account, command.password, caller)
    ports = svc.ports
    return await deletion.schedule(svc.gateway, ports.db, ports.clock, session.account_id, caller.request_id)


async def export(svc: Services, session: sessions.Session, caller: Caller) -> dict[str, Any]:
    """Everything we hold about the account, from every worker (site files base64-encoded)."""
    account = await account_store.by_id(svc.ports.db, session.account_id)
    rid = {"x-request-id": caller.request_id}
    identity = Identity(account_id=session.account_id)
    parts: dict[str, Any] = {}
    path = f"/internal/accounts/{session.account_id}/export"
    for worker in ("billing", "customer"):
        reply = await svc.gateway.call(worker, Request("GET", path, headers=rid), identity)
        if reply.status != 200:
            raise UpstreamFailed("export_failed", "We could not gather all your data just now; try again.")
        parts[worker] = reply.json()
    ask = Request(
        "POST",
        "/internal/export",
        headers={**rid, "content-type": "application/json"},
        body=json.dumps({"address": account["email"]}).encode(),
    )
    reply = await svc.gateway.call("mailer", ask, Identity(caller="core"))
    if reply.status != 200:
        raise UpstreamFailed("export_failed", "We could not gather all your data just now; try again.")
    sessions_held = await svc.ports.db.all(
        "SELECT user_agent, created_at, last_seen_at, revoked_at FROM sessions WHERE account_id = ?",
        (session.account_id,),
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": svc.ports.clock.now(),
        "account": account_store.public(account),
        "sessions": sessions_held,
        "billing": parts["billing"],
        "sites": parts["customer"],
        "mail": reply.json(),
    }
