"""Deleting an account, with 14 days to change her mind (issue 28.4; docs/accounts.md, "Deleting an
account"):

- `schedule`: the subscription is cancelled at once (no further charge), every site goes offline
  (customer keeps its files and versions), every session and emailed link ends, and the account
  is marked `deletion_requested_at`;
- `restore_if_scheduled`: signing in within WINDOW_SECONDS (a password, a magic link, a reset link)
  clears the mark and puts the sites back online, as they were;
- the `deletions` job (core's Cron plans it on JOBS, shared.jobs): accounts whose window has passed
  are deleted as before the window existed (`purge`: billing forgets, customer deletes the sites,
  mailer forgets the address, then core's rows), DELETION_PAGE accounts a step, oldest first,
  the next page in its own message. A failing account is logged and retried by a later run; the
  walk goes on past it (a cursor), so one stuck account never holds the others back."""

from __future__ import annotations

import json
from typing import Any

from core import sessions, tokens
from core.gateway import Gateway
from shared.errors import UpstreamFailed
from shared.http import Request
from shared.internal_auth import Identity
from shared.jobs import Body, Step
from shared.log import log
from shared.ports import Clock, Database

WINDOW_DAYS = 14
WINDOW_SECONDS = WINDOW_DAYS * 86400
# Per step: each account costs 3 service calls (subrequests; the callee's work is its own
# invocation) and 2 D1 statements here, far under half of every per-invocation limit.
DELETION_PAGE = 10


def _path(account_id: str, tail: str = "") -> str:
    return f"/internal/accounts/{account_id}{tail}"


async def schedule(gw: Gateway, db: Database, clock: Clock, account_id: str, request_id: str) -> float:
    """Cancels the subscription, takes the sites offline, ends every session and link, and marks the
    account; returns when it will be deleted. Each step is idempotent: if one fails nothing is
    marked, and asking again picks up where it stopped."""
    rid = {"x-request-id": request_id}
    identity = Identity(account_id=account_id)
    steps = (("billing", "/cancel", "cancel your subscription"), ("customer", "/suspend", "take your sites offline"))
    for worker, tail, what in steps:
        reply = await gw.call(worker, Request("POST", _path(account_id, tail), headers=rid), identity)
        if reply.status not in (200, 204, 404):
            raise UpstreamFailed("delete_failed", f"We could not {what} just now; your account is still here.")
    now = clock.now()
    await db.run(
        "UPDATE accounts SET deletion_requested_at = COALESCE(deletion_requested_at, ?) WHERE id = ?",
        (now, account_id),
    )
    await tokens.revoke_all(db, clock, account_id, False)
    await sessions.revoke_all(db, clock, account_id)
    rows = await db.all("SELECT deletion_requested_at FROM accounts WHERE id = ?", (account_id,))
    return float(rows[0]["deletion_requested_at"]) + WINDOW_SECONDS


async def restore_if_scheduled(gw: Gateway, db: Database, account_id: str, request_id: str) -> bool:
    """Signing in within the window: the sites come back, then the mark goes (so a failure leaves
    the account scheduled and the sign-in refused, to try again). False when nothing was scheduled."""
    rows = await db.all("SELECT deletion_requested_at FROM accounts WHERE id = ?", (account_id,))
    if not rows or rows[0]["deletion_requested_at"] is None:
        return False
    request = Request("POST", _path(account_id, "/restore"), headers={"x-request-id": request_id})
    reply = await gw.call("customer", request, Identity(account_id=account_id))
    if reply.status not in (200, 404):
        raise UpstreamFailed("restore_failed", "We could not put your sites back online just now; try again.")
    await db.run("UPDATE accounts SET deletion_requested_at = NULL WHERE id = ?", (account_id,))
    return True


async def purge(gw: Gateway, db: Database, account_id: str, email: str, request_id: str = "") -> None:
    """The deletion itself: stop the charges, then the customer's data, then the mail, then the account.
    If a step fails the account still exists, and the next run picks up where it stopped."""
    rid = {"x-request-id": request_id}
    for worker, what in (("billing", "billing data"), ("customer", "sites")):
        reply = await gw.call(
            worker, Request("DELETE", _path(account_id), headers=rid), Identity(account_id=account_id)
        )
        if reply.status not in (204, 404):
            raise UpstreamFailed("delete_failed", f"We could not delete the {what} just now.")
    forget = Request(
        "POST",
        "/internal/forget",
        headers={"content-type": "application/json", **rid},
        body=json.dumps({"address": email}).encode(),
    )
    reply = await gw.call("mailer", forget, Identity(caller="core"))
    if reply.status != 204:
        raise UpstreamFailed("delete_failed", "We could not delete the emails just now.")
    # Sessions and links go with the account (D1 enforces ON DELETE CASCADE; said here as well).
    await db.batch(
        [
            ("DELETE FROM sessions WHERE account_id = ?", (account_id,)),
            ("DELETE FROM tokens WHERE account_id = ?", (account_id,)),
            ("DELETE FROM accounts WHERE id = ?", (account_id,)),
        ]
    )


async def delete_due(gw: Gateway, db: Database, now: float, after: Any = None) -> Step:
    """One step of the `deletions` job: a page of accounts whose window has passed by `now` (the
    Cron's scheduled time), from the cursor `after` ([requested_at, id])."""
    at, last_id = (float(after[0]), str(after[1])) if isinstance(after, list) and len(after) == 2 else (0.0, "")
    rows = await db.all(
        "SELECT id, email, deletion_requested_at FROM accounts WHERE deletion_requested_at IS NOT NULL"
        " AND deletion_requested_at < ? AND (deletion_requested_at, id) > (?, ?)"
        " ORDER BY deletion_requested_at, id LIMIT ?",
        (now - WINDOW_SECONDS, at, last_id, DELETION_PAGE),
    )
    deleted = failed = 0
    for row in rows:
        try:
            await purge(gw, db, str(row["id"]), str(row["email"]))
            deleted += 1
        except Exception as exc:  # this account waits for a later run; the walk goes on
            failed += 1
            log("account_deletion_failed", exc, account_id=str(row["id"]))
    if failed == len(rows) > 0:
        raise RuntimeError(f"no account could be deleted ({failed})")  # retried, with backoff
    more: tuple[Body, ...] = ()
    if len(rows) == DELETION_PAGE:
        last = rows[-1]
        more = ({"job": "deletions", "after": [float(last["deletion_requested_at"]), str(last["id"])]},)
    return Step({"accounts_deleted": deleted, "accounts_failed": failed}, more)
