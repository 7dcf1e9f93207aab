"""What the account flows share: emailed links and notices, the Turnstile check, re-authentication,
starting a session and ending every credential at once."""

from __future__ import annotations

from typing import Any

from core import deletion, passwords, ratelimit, sessions, tokens
from core.account_store import Account
from core.services import Caller, Services
from shared.errors import Forbidden


def portal_link(svc: Services, page: str, secret: str) -> str:
    return f"{svc.settings.portal_origin}/{page}?token={secret}"


async def send_link(
    svc: Services, purpose: str, template: str, account: Account, to: str, page: str, data: dict[str, Any] | None = None
) -> None:
    ports = svc.ports
    token_id, secret = await tokens.issue(ports.db, ports.crypto, ports.clock, purpose, str(account["id"]), data)
    mail_data = {"link": portal_link(svc, page, secret), **({"new_email": data["new_email"]} if data else {})}
    await svc.mail.notify(template, to, mail_data, f"{template.replace('_', '-')}/{token_id}")


async def notify(svc: Services, template: str, to: str, page: str) -> None:
    """A notice with a plain portal link (no token): each one is its own event."""
    event = svc.ports.crypto.random_bytes(12).hex()
    link = f"{svc.settings.portal_origin}/{page}"
    await svc.mail.notify(template, to, {"link": link}, f"{template}/{event}")


async def human(svc: Services, turnstile_token: str, caller: Caller) -> None:
    """The Turnstile check of the public forms that send mail (sign-up, forgot, magic link)."""
    await svc.turnstile.require(turnstile_token, caller.address)


async def credentials_changed(svc: Services, account_id: str, keep_reverts: bool = True) -> None:
    """Every outstanding emailed link of the account dies, and every session ends (the caller
    starts a fresh one for the person in front of it)."""
    await tokens.revoke_all(svc.ports.db, svc.ports.clock, account_id, keep_reverts)
    await sessions.revoke_all(svc.ports.db, svc.ports.clock, account_id)


async def consume(svc: Services, purpose: str, secret: str) -> tokens.Token:
    return await tokens.consume(svc.ports.db, svc.ports.crypto, svc.ports.clock, purpose, secret)


async def start_session(svc: Services, account_id: str, caller: Caller) -> str:
    """A new session's token (the HTTP layer puts it in the cookie). An account whose deletion is
    scheduled comes back first, its sites online again (core/deletion.py): signing in is the undo."""
    await deletion.restore_if_scheduled(svc.gateway, svc.ports.db, account_id, caller.request_id)
    return await sessions.create(svc.ports.db, svc.ports.crypto, svc.ports.clock, account_id, caller.user_agent)


async def check_password(svc: Services, account: Account, password: str, caller: Caller) -> None:
    """Re-authentication before a sensitive change, throttled like log-in (issue 23, L7: a stolen
    session must not be a password oracle): the account's own bucket and the client address's."""
    db, clock = svc.ports.db, svc.ports.clock
    reservation = await ratelimit.reserve(db, clock, f"reauth:{account['id']}", caller.address)
    if not await passwords.verify_password(svc.ports.crypto, password, str(account["password_hash"] or "")):
        raise Forbidden("wrong_password", "The current password is not right.")
    await ratelimit.release(db, reservation)
