"""Log in with a password, and log out."""

from __future__ import annotations

from core import account_store, devices, links, passwords, ratelimit, sessions
from core.account_commands import LogIn
from core.services import Caller, Services, SignedIn
from shared.errors import Forbidden, Unauthenticated


async def login(svc: Services, command: LogIn, caller: Caller) -> SignedIn:
    ports = svc.ports
    key, secret = command.email.lower(), svc.settings.internal_secret
    device = await devices.recognised(ports.crypto, secret, caller.device_cookie, key)
    reservation = await ratelimit.reserve(ports.db, ports.clock, key, caller.address, device)
    account = await account_store.by_email(ports.db, command.email)
    stored = str(account["password_hash"]) if account and account["password_hash"] else passwords.DUMMY_HASH
    # The unknown-email case pays for the same key derivation, and both fail identically.
    valid = await passwords.verify_password(ports.crypto, command.password, stored)
    if account is None or not valid:
        raise Unauthenticated("invalid_credentials", "The email or password is not right.")
    await ratelimit.release(ports.db, reservation)
    if account["email_verified_at"] is None:
        raise Forbidden("email_not_verified", "Verify your email first: we sent you a link.")
    session_token = await links.start_session(svc, str(account["id"]), caller)
    known = await devices.issue(ports.crypto, secret, device, key)  # its own bucket from now on
    return SignedIn(account_store.signed_in(account), session_token, known)


async def logout(svc: Services, session: sessions.Session | None) -> None:
    if session is not None:
        await sessions.revoke(svc.ports.db, svc.ports.clock, session.account_id, session.id)
