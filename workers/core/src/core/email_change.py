"""Changing the account's address: confirmed from the new one, undoable from the old one for 7 days."""

from __future__ import annotations

from typing import Any

from core import account_store, links, mailcaps, passwords, ratelimit, sessions, tokens
from core.account_commands import ChangeEmail, FollowLink, RevertEmail
from core.services import Caller, Services, SignedIn
from shared.background import later
from shared.errors import Conflict
from shared.http import Request
from shared.internal_auth import Identity
from shared.log import log
from shared.mailbox import mailbox


async def change_email(svc: Services, session: sessions.Session, command: ChangeEmail, caller: Caller) -> None:
    """Answered 202 whether or not the address has an account; the link goes out after the answer."""
    db, clock = svc.ports.db, svc.ports.clock
    account = await account_store.by_id(db, session.account_id)
    await links.check_password(svc, account, command.password, caller)
    wait = await mailcaps.take(db, clock, f"change-email:{session.account_id}", mailcaps.CHANGE_EMAIL_PER_ACCOUNT)
    if wait:
        raise mailcaps.too_many(wait)
    later(email_change_link(svc, account, command.new_email))


async def email_change_link(svc: Services, account: dict[str, Any], new_email: str) -> None:
    """After the answer: the confirmation link, or, if the address has an account already, a note
    to its owner (as sign-up does); nothing if that mailbox was asked too often."""
    db, clock = svc.ports.db, svc.ports.clock
    if await mailcaps.take(db, clock, f"mailbox:{mailbox(new_email)}", mailcaps.PER_MAILBOX):
        return
    holder = await account_store.by_email(db, new_email)
    if holder is not None:
        await links.notify(svc, "account_exists", str(holder["email"]), "login")
        return
    # Nothing changes until the new address proves it is reachable.
    data = {"new_email": new_email}
    await links.send_link(svc, tokens.EMAIL_CHANGE, "email_change", account, new_email, "confirm-email", data)


async def confirm_email(svc: Services, command: FollowLink, caller: Caller) -> dict[str, Any]:
    """The account as it is now; every session ended, the asking one included."""
    db = svc.ports.db
    token = await links.consume(svc, tokens.EMAIL_CHANGE, command.token)
    new_email = str(token.data["new_email"])
    if await account_store.by_email(db, new_email) is not None:
        raise Conflict("email_taken", "Another account already uses this email.")
    account = await account_store.by_id(db, token.account_id)
    old_email = str(account["email"])
    changed = await db.run(
        "UPDATE accounts SET email = ?, email_verified_at = ? WHERE id = ?"
        " AND NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?)",  # one statement: no race with a sign-up
        (new_email, svc.ports.clock.now(), token.account_id, new_email),
    )
    if not changed:
        raise Conflict("email_taken", "Another account already uses this email.")
    # Links sent to the old address die and every session ends, the one that asked included
    # (whoever moved an account onto someone's address keeps no way in); the old address is
    # told, with a way back (7 days).
    await links.credentials_changed(svc, token.account_id)
    moved = {"old_email": old_email, "new_email": new_email}
    await links.send_link(svc, tokens.EMAIL_REVERT, "email_changed", account, old_email, "undo-email", moved)
    await email_moved(svc, token.account_id, new_email, caller)
    return account_store.public(await account_store.by_id(db, token.account_id))


async def email_moved(svc: Services, account_id: str, email: str, caller: Caller) -> None:
    """Tells customer the account's address now, so lead mail follows it at once (issue 23, L9).
    If customer cannot be told, the owner's next call through the gateway catches it up."""
    told = Request("POST", f"/internal/accounts/{account_id}/email", headers={"x-request-id": caller.request_id})
    reply = await svc.gateway.call("customer", told, Identity(account_id=account_id, email=email))
    if reply.status != 204:
        log("customer_email_not_updated", status=reply.status)


async def revert_email(svc: Services, command: RevertEmail, caller: Caller) -> SignedIn:
    """The undo link from the old address: the account comes back to it with a new password,
    every session ends and every other link dies (whoever moved it is out)."""
    db, clock, crypto = svc.ports.db, svc.ports.clock, svc.ports.crypto
    token = await tokens.consume(db, crypto, clock, tokens.EMAIL_REVERT, command.token)
    old_email = str(token.data["old_email"])
    holder = await account_store.by_email(db, old_email)
    if holder is not None and holder["id"] != token.account_id:
        raise Conflict("email_taken", "Another account uses this email now; contact support.")
    await db.run(
        "UPDATE accounts SET email = ?, email_verified_at = ?, password_hash = ? WHERE id = ?",
        (old_email, clock.now(), await passwords.hash_password(crypto, command.password), token.account_id),
    )
    await links.credentials_changed(svc, token.account_id, keep_reverts=False)
    await email_moved(svc, token.account_id, old_email, caller)
    await ratelimit.clear_account(db, old_email.lower())
    session_token = await links.start_session(svc, token.account_id, caller)
    return SignedIn(account_store.public(await account_store.by_id(db, token.account_id)), session_token)
