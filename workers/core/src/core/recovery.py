"""Getting back in without the password: a reset link (which sets a new one) and a magic link."""

from __future__ import annotations

from core import account_store, links, passwords, ratelimit, tokens
from core.account_commands import AskForLink, FollowLink, ResetPassword
from core.services import Caller, Services, SignedIn
from core.signup import first_verification
from shared.background import later


async def forgot_password(svc: Services, command: AskForLink, caller: Caller) -> None:
    await request_link(svc, command, caller, tokens.PASSWORD_RESET, "password_reset", "reset")


async def request_magic_link(svc: Services, command: AskForLink, caller: Caller) -> None:
    await request_link(svc, command, caller, tokens.MAGIC_LINK, "magic_link", "magic")


async def request_link(
    svc: Services, command: AskForLink, caller: Caller, purpose: str, template: str, page: str
) -> None:
    """The public forms that email a link: the same 202 whether or not the address has an account."""
    await links.human(svc, command.turnstile_token, caller)
    later(link_if_account(svc, command.email, purpose, template, page))


async def link_if_account(svc: Services, email: str, purpose: str, template: str, page: str) -> None:
    """Runs after the answer (no timing difference between known and unknown addresses)."""
    account = await account_store.by_email(svc.ports.db, email)
    if account is None or (purpose == tokens.VERIFY_EMAIL and account["email_verified_at"] is not None):
        return
    await links.send_link(svc, purpose, template, account, str(account["email"]), page)


async def reset_password(svc: Services, command: ResetPassword, caller: Caller) -> str:
    """The new session's token; every other session and link ends."""
    db = svc.ports.db
    token = await links.consume(svc, tokens.PASSWORD_RESET, command.token)
    password_hash = await passwords.hash_password(svc.ports.crypto, command.password)
    # Following the emailed link proves the address, so it also counts as verifying it.
    await first_verification(svc, token.account_id)
    await db.run("UPDATE accounts SET password_hash = ? WHERE id = ?", (password_hash, token.account_id))
    await links.credentials_changed(svc, token.account_id)
    account = await account_store.by_id(db, token.account_id)
    await ratelimit.clear_account(db, str(account["email"]).lower())
    session_token = await links.start_session(svc, token.account_id, caller)
    later(links.notify(svc, "password_changed", str(account["email"]), "forgot"))
    return session_token


async def consume_magic_link(svc: Services, command: FollowLink, caller: Caller) -> SignedIn:
    token = await links.consume(svc, tokens.MAGIC_LINK, command.token)
    await first_verification(svc, token.account_id)
    account = await account_store.by_id(svc.ports.db, token.account_id)
    await ratelimit.clear_account(svc.ports.db, str(account["email"]).lower())  # the owner is back
    session_token = await links.start_session(svc, token.account_id, caller)
    return SignedIn(account_store.signed_in(account), session_token)
