"""The signed-in account's own settings: its password and its sessions."""

from __future__ import annotations

from typing import Any

from core import account_store, links, passwords, sessions
from core.account_commands import ChangePassword
from core.services import Caller, Services
from shared.background import later
from shared.errors import NotFound


async def get_account(svc: Services, session: sessions.Session) -> dict[str, Any]:
    return account_store.public(await account_store.by_id(svc.ports.db, session.account_id))


async def change_password(
    svc: Services, session: sessions.Session, command: ChangePassword, caller: Caller
) -> tuple[int, str]:
    """How many other sessions ended, and this device's new session token (it stays in, re-issued)."""
    ports = svc.ports
    account = await account_store.by_id(ports.db, session.account_id)
    had_password = bool(account["password_hash"])
    if had_password:  # otherwise a link just proved the address: the owner chooses her first one
        await links.check_password(svc, account, command.current_password, caller)
    await ports.db.run(
        "UPDATE accounts SET password_hash = ? WHERE id = ?",
        (await passwords.hash_password(ports.crypto, command.new_password), session.account_id),
    )
    ended = await sessions.revoke_all(ports.db, ports.clock, session.account_id, session.id)
    await links.credentials_changed(svc, session.account_id)
    session_token = await links.start_session(svc, session.account_id, caller)
    if had_password:
        later(links.notify(svc, "password_changed", str(account["email"]), "forgot"))
    return ended, session_token


async def list_sessions(svc: Services, session: sessions.Session) -> list[dict[str, Any]]:
    return await sessions.list_active(svc.ports.db, svc.ports.clock, session.account_id, session.id)


async def revoke_session(svc: Services, session: sessions.Session, session_id: str) -> None:
    if not await sessions.revoke(svc.ports.db, svc.ports.clock, session.account_id, session_id):
        raise NotFound("session_not_found", "No such active session.")


async def revoke_other_sessions(svc: Services, session: sessions.Session) -> int:
    return await sessions.revoke_all(svc.ports.db, svc.ports.clock, session.account_id, session.id)
