"""Sign up and verify: the same answer whether or not the address has an account, a link that proves
the address, and a welcome the first time it does."""

from __future__ import annotations

import json

from core import account_store, links, mailcaps, passwords, tokens
from core.account_commands import AskForLink, FollowLink, SignUp
from core.services import Caller, Services, SignedIn
from shared.background import later
from shared.mailbox import mailbox


async def signup(svc: Services, command: SignUp, caller: Caller) -> None:
    """Answered 202 whether or not the address has an account, in the same time: a new address gets
    a verification link, a registered one a note to its owner ("you already have an account")."""
    await links.human(svc, command.turnstile_token, caller)
    password_hash = await passwords.hash_password(svc.ports.crypto, command.password)  # paid either way
    existing = await account_store.by_email(svc.ports.db, command.email)
    if existing is not None:
        # Unverified (perhaps someone else's sign-up with this address): a reset sets the owner's
        # own password and verifies the address, so the owner is pointed there, not at login.
        page = "login" if existing["email_verified_at"] is not None else "forgot"
        later(links.notify(svc, "account_exists", str(existing["email"]), page))
    else:
        later(create_account(svc, command.email, password_hash, command.attribution))


async def create_account(svc: Services, email: str, password_hash: str, kept: dict[str, str]) -> None:
    ports = svc.ports
    account_id = "acct_" + ports.crypto.random_bytes(12).hex()
    created = await ports.db.run(
        "INSERT INTO accounts (id, email, password_hash, attribution, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (account_id, email, password_hash, json.dumps(kept), ports.clock.now()),
    )
    if not created:  # a concurrent sign-up with this address won; its verification mail is on the way
        return
    account = await account_store.by_id(ports.db, account_id)
    await links.send_link(svc, tokens.VERIFY_EMAIL, "verify_email", account, email, "verify")


async def verify(svc: Services, command: FollowLink, caller: Caller) -> SignedIn:
    token = await links.consume(svc, tokens.VERIFY_EMAIL, command.token)
    account = await account_store.by_id(svc.ports.db, token.account_id)
    if await first_verification(svc, token.account_id):
        welcome = {"portal": svc.settings.portal_origin}
        await svc.mail.notify("welcome", str(account["email"]), welcome, f"welcome/{token.account_id}")
    session_token = await links.start_session(svc, token.account_id, caller)
    account = await account_store.by_id(svc.ports.db, token.account_id)
    return SignedIn(account_store.public(account), session_token)


async def first_verification(svc: Services, account_id: str) -> bool:
    """A mailed link proves the address. If it is the first proof, whatever password was set before
    it is discarded: anyone could have signed up with this address and a password of their choosing
    (pre-account takeover). The owner, now signed in, chooses her own."""
    changed = await svc.ports.db.run(
        "UPDATE accounts SET email_verified_at = ?, password_hash = NULL WHERE id = ? AND email_verified_at IS NULL",
        (svc.ports.clock.now(), account_id),
    )
    if not changed:
        return False
    # Only now does the marketing CRM hear of the sign-up: before, anyone could have typed the
    # address and chosen its properties (issue 23, L8).
    account = await account_store.by_id(svc.ports.db, account_id)
    await svc.mail.crm("signed_up", str(account["email"]), json.loads(str(account["attribution"])))
    return True


async def resend_verification(svc: Services, command: AskForLink, caller: Caller) -> None:
    """The same answer, in the same time, either way: the work happens after it."""
    await links.human(svc, command.turnstile_token, caller)
    later(resend_if_unverified(svc, command.email))


async def resend_if_unverified(svc: Services, email: str) -> None:
    """After the answer: capped per mailbox (any alias) and per account, then the usual link."""
    db, clock = svc.ports.db, svc.ports.clock
    if await mailcaps.take(db, clock, f"mailbox:{mailbox(email)}", mailcaps.PER_MAILBOX):
        return
    account = await account_store.by_email(db, email)
    if account is None or account["email_verified_at"] is not None:
        return
    if await mailcaps.take(db, clock, f"resend:{account['id']}", mailcaps.RESEND_PER_ACCOUNT):
        return
    await links.send_link(svc, tokens.VERIFY_EMAIL, "verify_email", account, str(account["email"]), "verify")
