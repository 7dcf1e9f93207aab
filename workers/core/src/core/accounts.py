"""Accounts: sign up, verify, log in and out, password reset, magic link, and the account's own
settings (password, email, sessions, deletion). Routes are registered by `register`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core import devices, mailcaps, passwords, ratelimit, sessions, tokens
from core.deps import Ports, Settings
from core.gateway import Gateway
from shared import attribution
from shared.background import later
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.internal_auth import Identity
from shared.log import log
from shared.mail import MailClient
from shared.mailbox import mailbox
from shared.routing import Params, Router
from shared.schema import Bool, Email, Field, Secret, read_body
from shared.turnstile import Turnstile

ACCEPTED = {"status": "accepted"}

# The request bodies: what the handlers below validate with and what /api/v1/openapi.json describes.
_PASSWORD = Secret(max_length=passwords.MAX_LENGTH + 1)  # a password as typed (checked against the hash)
_NEW_PASSWORD = passwords.NewPassword()
_TOKEN = Secret(max_length=200)
# A passed Turnstile challenge (required when Turnstile is on: see GET /api/v1/auth/turnstile).
_HUMAN = Secret(max_length=4096, required=False)
_ENDS_SESSIONS = Bool(default=True)  # accepted from older clients; sessions always end
SIGNUP: dict[str, Field] = {
    "email": Email(),
    "password": _NEW_PASSWORD,
    "attribution": attribution.Attribution(),
    "turnstile_token": _HUMAN,
}
LINK: dict[str, Field] = {"token": _TOKEN}
EMAIL_HUMAN: dict[str, Field] = {"email": Email(), "turnstile_token": _HUMAN}
LOGIN: dict[str, Field] = {"email": Email(), "password": _PASSWORD}
RESET: dict[str, Field] = {"token": _TOKEN, "password": _NEW_PASSWORD, "end_other_sessions": _ENDS_SESSIONS}
REVERT: dict[str, Field] = {"token": _TOKEN, "password": _NEW_PASSWORD}
PASSWORD_ONLY: dict[str, Field] = {"password": _PASSWORD}
CHANGE_PASSWORD: dict[str, Field] = {
    # Omitted only by an account that has no password yet (verified by a link: see `verify`).
    "current_password": Secret(max_length=passwords.MAX_LENGTH + 1, required=False),
    "new_password": _NEW_PASSWORD,
    "end_other_sessions": _ENDS_SESSIONS,
}
CHANGE_EMAIL: dict[str, Field] = {"new_email": Email(), "password": _PASSWORD}


def no_content(headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(204, headers or [])


def client_address(request: Request) -> str:
    # Cloudflare sets cf-connecting-ip and a client cannot override it at the edge.
    return request.header("cf-connecting-ip") or "unknown"


@dataclass
class Accounts:
    settings: Settings
    ports: Ports
    gateway: Gateway
    mail: MailClient
    turnstile: Turnstile

    # -- helpers ---------------------------------------------------------------------------------

    def link(self, page: str, secret: str) -> str:
        return f"{self.settings.portal_origin}/{page}?token={secret}"

    async def account_by_email(self, email: str) -> dict[str, Any] | None:
        rows = await self.ports.db.all("SELECT * FROM accounts WHERE email = ?", (email,))
        return rows[0] if rows else None

    async def account_by_id(self, account_id: str) -> dict[str, Any]:
        rows = await self.ports.db.all("SELECT * FROM accounts WHERE id = ?", (account_id,))
        if not rows:
            raise HttpError(401, "unauthenticated", "Log in to do this.")
        return rows[0]

    async def send_link(
        self,
        request: Request,
        purpose: str,
        template: str,
        account: dict[str, Any],
        to: str,
        page: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        token_id, secret = await tokens.issue(
            self.ports.db, self.ports.crypto, self.ports.clock, purpose, str(account["id"]), data
        )
        mail_data = {"link": self.link(page, secret), **({"new_email": data["new_email"]} if data else {})}
        await self.mail.notify(template, to, mail_data, f"{template.replace('_', '-')}/{token_id}")

    async def notify(self, request: Request, template: str, to: str, page: str) -> None:
        """A notice with a plain portal link (no token): each one is its own event."""
        event = self.ports.crypto.random_bytes(12).hex()
        link = f"{self.settings.portal_origin}/{page}"
        await self.mail.notify(template, to, {"link": link}, f"{template}/{event}")

    async def human(self, request: Request, data: dict[str, Any]) -> None:
        """The Turnstile check of the public forms that send mail (sign-up, forgot, magic link)."""
        await self.turnstile.require(data["turnstile_token"], client_address(request))

    async def credentials_changed(self, account_id: str, keep_reverts: bool = True) -> None:
        """Every outstanding emailed link of the account dies, and every session ends (the caller
        starts a fresh one for the person in front of it)."""
        await tokens.revoke_all(self.ports.db, self.ports.clock, account_id, keep_reverts)
        await sessions.revoke_all(self.ports.db, self.ports.clock, account_id)

    async def consume_link(self, request: Request, purpose: str) -> tokens.Token:
        """The body of every email-link POST: {"token": "..."}."""
        secret = read_body(request, LINK)["token"]
        return await tokens.consume(self.ports.db, self.ports.crypto, self.ports.clock, purpose, secret)

    async def start_session(self, request: Request, account_id: str) -> tuple[str, str]:
        token = await sessions.create(
            self.ports.db, self.ports.crypto, self.ports.clock, account_id, request.header("user-agent")
        )
        return sessions.set_cookie(token)

    async def check_password(self, request: Request, account: dict[str, Any], password: str) -> None:
        """Re-authentication before a sensitive change, throttled like log-in (issue 23, L7: a stolen
        session must not be a password oracle): the account's own bucket and the client address's."""
        db, clock = self.ports.db, self.ports.clock
        reservation = await ratelimit.reserve(db, clock, f"reauth:{account['id']}", client_address(request))
        if not await passwords.verify_password(self.ports.crypto, password, str(account["password_hash"] or "")):
            raise HttpError(403, "wrong_password", "The current password is not right.")
        await ratelimit.release(db, reservation)

    def public(self, account: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": account["id"],
            "email": account["email"],
            "email_verified": account["email_verified_at"] is not None,
            # False after a link first verified the address: the portal asks the owner to choose one.
            "has_password": bool(account["password_hash"]),
            "created_at": account["created_at"],
            "attribution": json.loads(str(account["attribution"])),
        }

    # -- sign up and verify --------------------------------------------------------------------

    async def signup(self, request: Request, params: Params) -> Response:
        """202 whether or not the address has an account, in the same time: a new address gets a
        verification link, a registered one a note to its owner ("you already have an account")."""
        data = read_body(request, SIGNUP)
        email, password, kept = data["email"], data["password"], data["attribution"]
        await self.human(request, data)
        password_hash = await passwords.hash_password(self.ports.crypto, password)  # paid either way
        existing = await self.account_by_email(email)
        if existing is not None:
            # Unverified (perhaps someone else's sign-up with this address): a reset sets the owner's
            # own password and verifies the address, so the owner is pointed there, not at login.
            page = "login" if existing["email_verified_at"] is not None else "forgot"
            later(self.notify(request, "account_exists", str(existing["email"]), page))
        else:
            later(self.create_account(request, email, password_hash, kept))
        return json_response(ACCEPTED, 202)

    async def create_account(self, request: Request, email: str, password_hash: str, kept: dict[str, str]) -> None:
        account_id = "acct_" + self.ports.crypto.random_bytes(12).hex()
        created = await self.ports.db.run(
            "INSERT INTO accounts (id, email, password_hash, attribution, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (account_id, email, password_hash, json.dumps(kept), self.ports.clock.now()),
        )
        if not created:  # a concurrent sign-up with this address won; its verification mail is on the way
            return
        account = await self.account_by_id(account_id)
        await self.send_link(request, tokens.VERIFY_EMAIL, "verify_email", account, email, "verify")

    async def verify(self, request: Request, params: Params) -> Response:
        token = await self.consume_link(request, tokens.VERIFY_EMAIL)
        account = await self.account_by_id(token.account_id)
        if await self.first_verification(token.account_id):
            welcome = {"portal": self.settings.portal_origin}
            await self.mail.notify("welcome", str(account["email"]), welcome, f"welcome/{token.account_id}")
        cookie = await self.start_session(request, token.account_id)
        return json_response({"account": self.public(await self.account_by_id(token.account_id))}, 200, [cookie])

    async def first_verification(self, account_id: str) -> bool:
        """A mailed link proves the address. If it is the first proof, whatever password was set
        before it is discarded: anyone could have signed up with this address and a password of
        their choosing (pre-account takeover). The owner, now signed in, chooses her own."""
        changed = await self.ports.db.run(
            "UPDATE accounts SET email_verified_at = ?, password_hash = NULL"
            " WHERE id = ? AND email_verified_at IS NULL",
            (self.ports.clock.now(), account_id),
        )
        if not changed:
            return False
        # Only now does the marketing CRM hear of the sign-up: before, anyone could have typed the
        # address and chosen its properties (issue 23, L8).
        account = await self.account_by_id(account_id)
        await self.mail.crm("signed_up", str(account["email"]), json.loads(str(account["attribution"])))
        return True

    async def resend_verification(self, request: Request, params: Params) -> Response:
        data = read_body(request, EMAIL_HUMAN)
        await self.human(request, data)
        later(self.resend_if_unverified(request, data["email"]))
        return json_response(ACCEPTED, 202)  # the same answer, in the same time, either way

    async def resend_if_unverified(self, request: Request, email: str) -> None:
        """After the answer: capped per mailbox (any alias) and per account, then the usual link."""
        db, clock = self.ports.db, self.ports.clock
        if await mailcaps.take(db, clock, f"mailbox:{mailbox(email)}", mailcaps.PER_MAILBOX):
            return
        account = await self.account_by_email(email)
        if account is None or account["email_verified_at"] is not None:
            return
        if await mailcaps.take(db, clock, f"resend:{account['id']}", mailcaps.RESEND_PER_ACCOUNT):
            return
        await self.send_link(request, tokens.VERIFY_EMAIL, "verify_email", account, str(account["email"]), "verify")

    async def link_if_account(self, request: Request, email: str, purpose: str, template: str, page: str) -> None:
        """Runs after the answer (no timing difference between known and unknown addresses)."""
        account = await self.account_by_email(email)
        if account is None or (purpose == tokens.VERIFY_EMAIL and account["email_verified_at"] is not None):
            return
        await self.send_link(request, purpose, template, account, str(account["email"]), page)

    async def turnstile_config(self, request: Request, params: Params) -> Response:
        """The public site key the portal renders its Turnstile widget with (null: Turnstile is off)."""
        site_key = self.turnstile.site_key if self.turnstile.enabled else None
        return json_response({"site_key": site_key})

    # -- log in and out --------------------------------------------------------------------------

    async def login(self, request: Request, params: Params) -> Response:
        data = read_body(request, LOGIN)
        email, password = data["email"], data["password"]
        key, secret = email.lower(), self.settings.internal_secret
        device = await devices.recognised(self.ports.crypto, secret, request, key)
        reservation = await ratelimit.reserve(self.ports.db, self.ports.clock, key, client_address(request), device)
        account = await self.account_by_email(email)
        stored = str(account["password_hash"]) if account and account["password_hash"] else passwords.DUMMY_HASH
        # The unknown-email case pays for the same key derivation, and both fail identically.
        valid = await passwords.verify_password(self.ports.crypto, password, stored)
        if account is None or not valid:
            raise HttpError(401, "invalid_credentials", "The email or password is not right.")
        await ratelimit.release(self.ports.db, reservation)
        if account["email_verified_at"] is None:
            raise HttpError(403, "email_not_verified", "Verify your email first: we sent you a link.")
        cookie = await self.start_session(request, str(account["id"]))
        known = await devices.set_cookie(self.ports.crypto, secret, device, key)  # its own bucket from now on
        return json_response({"account": self.public(account)}, 200, [cookie, known])

    async def logout(self, request: Request, params: Params) -> Response:
        session = await sessions.current(self.ports.db, self.ports.crypto, self.ports.clock, request)
        if session is not None:
            await sessions.revoke(self.ports.db, self.ports.clock, session.account_id, session.id)
        return no_content([sessions.clear_cookie()])

    # -- password reset and magic link ----------------------------------------------------------

    async def forgot_password(self, request: Request, params: Params) -> Response:
        return await self.request_link(request, tokens.PASSWORD_RESET, "password_reset", "reset")

    async def request_link(self, request: Request, purpose: str, template: str, page: str) -> Response:
        """The public forms that email a link: the same 202 whether or not the address has an account."""
        data = read_body(request, EMAIL_HUMAN)
        email = data["email"]
        await self.human(request, data)
        later(self.link_if_account(request, email, purpose, template, page))
        return json_response(ACCEPTED, 202)

    async def reset_password(self, request: Request, params: Params) -> Response:
        data = read_body(request, RESET)
        password = data["password"]
        token = await tokens.consume(
            self.ports.db,
            self.ports.crypto,
            self.ports.clock,
            tokens.PASSWORD_RESET,
            data["token"],
        )
        password_hash = await passwords.hash_password(self.ports.crypto, password)
        # Following the emailed link proves the address, so it also counts as verifying it.
        await self.first_verification(token.account_id)
        await self.ports.db.run("UPDATE accounts SET password_hash = ? WHERE id = ?", (password_hash, token.account_id))
        await self.credentials_changed(token.account_id)
        account = await self.account_by_id(token.account_id)
        await ratelimit.clear_account(self.ports.db, str(account["email"]).lower())
        cookie = await self.start_session(request, token.account_id)
        later(self.notify(request, "password_changed", str(account["email"]), "forgot"))
        return no_content([cookie])

    async def request_magic_link(self, request: Request, params: Params) -> Response:
        return await self.request_link(request, tokens.MAGIC_LINK, "magic_link", "magic")

    async def consume_magic_link(self, request: Request, params: Params) -> Response:
        token = await self.consume_link(request, tokens.MAGIC_LINK)
        await self.first_verification(token.account_id)
        account = await self.account_by_id(token.account_id)
        await ratelimit.clear_account(self.ports.db, str(account["email"]).lower())  # the owner is back
        cookie = await self.start_session(request, token.account_id)
        return json_response({"account": self.public(account)}, 200, [cookie])

    # -- the signed-in account -----------------------------------------------------------------

    async def session(self, request: Request) -> sessions.Session:
        return await sessions.require(self.ports.db, self.ports.crypto, self.ports.clock, request)

    async def get_account(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        return json_response({"account": self.public(await self.account_by_id(session.account_id))})

    async def change_password(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        data = read_body(request, CHANGE_PASSWORD)
        current, new = data["current_password"], data["new_password"]
        account = await self.account_by_id(session.account_id)
        had_password = bool(account["password_hash"])
        if had_password:  # otherwise a link just proved the address: the owner chooses her first one
            await self.check_password(request, account, current)
        await self.ports.db.run(
            "UPDATE accounts SET password_hash = ? WHERE id = ?",
            (await passwords.hash_password(self.ports.crypto, new), session.account_id),
        )
        ended = await sessions.revoke_all(self.ports.db, self.ports.clock, session.account_id, session.id)
        await self.credentials_changed(session.account_id)
        cookie = await self.start_session(request, session.account_id)  # this device stays in, re-issued
        if had_password:
            later(self.notify(request, "password_changed", str(account["email"]), "forgot"))
        return json_response({"other_sessions_ended": ended}, 200, [cookie])

    async def change_email(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        data = read_body(request, CHANGE_EMAIL)
        new_email = data["new_email"]
        account = await self.account_by_id(session.account_id)
        await self.check_password(request, account, data["password"])
        wait = await mailcaps.take(
            self.ports.db, self.ports.clock, f"change-email:{session.account_id}", mailcaps.CHANGE_EMAIL_PER_ACCOUNT
        )
        if wait:
            raise mailcaps.too_many(wait)
        later(self.email_change_link(request, account, new_email))
        return json_response(ACCEPTED, 202)  # the same answer whether or not the address has an account

    async def email_change_link(self, request: Request, account: dict[str, Any], new_email: str) -> None:
        """After the answer: the confirmation link, or, if the address has an account already, a note
        to its owner (as sign-up does); nothing if that mailbox was asked too often."""
        if await mailcaps.take(self.ports.db, self.ports.clock, f"mailbox:{mailbox(new_email)}", mailcaps.PER_MAILBOX):
            return
        holder = await self.account_by_email(new_email)
        if holder is not None:
            await self.notify(request, "account_exists", str(holder["email"]), "login")
            return
        # Nothing changes until the new address proves it is reachable.
        await self.send_link(
            request, tokens.EMAIL_CHANGE, "email_change", account, new_email, "confirm-email", {"new_email": new_email}
        )

    async def confirm_email(self, request: Request, params: Params) -> Response:
        token = await self.consume_link(request, tokens.EMAIL_CHANGE)
        new_email = str(token.data["new_email"])
        if await self.account_by_email(new_email) is not None:
            raise HttpError(409, "email_taken", "Another account already uses this email.")
        account = await self.account_by_id(token.account_id)
        old_email = str(account["email"])
        changed = await self.ports.db.run(
            "UPDATE accounts SET email = ?, email_verified_at = ? WHERE id = ?"
            " AND NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?)",  # one statement: no race with a sign-up
            (new_email, self.ports.clock.now(), token.account_id, new_email),
        )
        if not changed:
            raise HttpError(409, "email_taken", "Another account already uses this email.")
        # Links sent to the old address die and every session ends, the one that asked included
        # (whoever moved an account onto someone's address keeps no way in); the old address is
        # told, with a way back (7 days).
        await self.credentials_changed(token.account_id)
        await self.send_link(
            request,
            tokens.EMAIL_REVERT,
            "email_changed",
            account,
            old_email,
            "undo-email",
            {"old_email": old_email, "new_email": new_email},
        )
        await self.email_moved(request, token.account_id, new_email)
        account = await self.account_by_id(token.account_id)
        return json_response({"account": self.public(account)}, 200, [sessions.clear_cookie()])

    async def email_moved(self, request: Request, account_id: str, email: str) -> None:
        """Tells customer the account's address now, so lead mail follows it at once (issue 23, L9).
        If customer cannot be told, the owner's next call through the gateway catches it up."""
        told = Request(
            "POST", f"/internal/accounts/{account_id}/email", headers={"x-request-id": request.header("x-request-id")}
        )
        reply = await self.gateway.call("customer", told, Identity(account_id=account_id, email=email))
        if reply.status != 204:
            log("customer_email_not_updated", status=reply.status)

    async def revert_email(self, request: Request, params: Params) -> Response:
        """The undo link from the old address: the account comes back to it with a new password,
        every session ends and every other link dies (whoever moved it is out)."""
        data = read_body(request, REVERT)
        password = data["password"]
        secret = data["token"]
        token = await tokens.consume(self.ports.db, self.ports.crypto, self.ports.clock, tokens.EMAIL_REVERT, secret)
        old_email = str(token.data["old_email"])
        holder = await self.account_by_email(old_email)
        if holder is not None and holder["id"] != token.account_id:
            raise HttpError(409, "email_taken", "Another account uses this email now; contact support.")
        await self.ports.db.run(
            "UPDATE accounts SET email = ?, email_verified_at = ?, password_hash = ? WHERE id = ?",
            (
                old_email,
                self.ports.clock.now(),
                await passwords.hash_password(self.ports.crypto, password),
                token.account_id,
            ),
        )
        await self.credentials_changed(token.account_id, keep_reverts=False)
        await self.email_moved(request, token.account_id, old_email)
        await ratelimit.clear_account(self.ports.db, old_email.lower())
        cookie = await self.start_session(request, token.account_id)
        return json_response({"account": self.public(await self.account_by_id(token.account_id))}, 200, [cookie])

    async def delete_account(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        data = read_body(request, PASSWORD_ONLY)
        account = await self.account_by_id(session.account_id)
        await self.check_password(request, account, data["password"])
        # Stop the charges, then the customer's data, then the account: if a step fails the account
        # still exists, and deleting again picks up where it stopped (each step is idempotent).
        path = f"/internal/accounts/{session.account_id}"
        for worker, what in (("billing", "cancel your subscription"), ("customer", "delete your sites")):
            reply = await self.gateway.call(
                worker,
                Request("DELETE", path, headers={"x-request-id": request.header("x-request-id")}),
                Identity(account_id=session.account_id),
            )
            if reply.status not in (204, 404):
                raise HttpError(502, "delete_failed", f"We could not {what} just now; your account is still here.")
        forget = Request(
            "POST",
            "/internal/forget",
            headers={"content-type": "application/json", "x-request-id": request.header("x-request-id")},
            body=json.dumps({"address": account["email"]}).encode(),
        )
        reply = await self.gateway.call("mailer", forget, Identity(caller="core"))
        if reply.status != 204:
            raise HttpError(
                502, "delete_failed", "We could not delete your emails just now; your account is still here."
            )
        # Sessions and links go with the account (D1 enforces ON DELETE CASCADE; said here as well).
        await self.ports.db.batch(
            [
                ("DELETE FROM sessions WHERE account_id = ?", (session.account_id,)),
                ("DELETE FROM tokens WHERE account_id = ?", (session.account_id,)),
                ("DELETE FROM accounts WHERE id = ?", (session.account_id,)),
            ]
        )
        return no_content([sessions.clear_cookie()])

    async def export(self, request: Request, params: Params) -> Response:
        """`GET /api/v1/account/export`: everything we hold about the account, from every worker,
        as one JSON download (site files base64-encoded). Data portability (GDPR art. 20)."""
        session = await self.session(request)
        account = await self.account_by_id(session.account_id)
        rid = {"x-request-id": request.header("x-request-id")}
        identity = Identity(account_id=session.account_id)
        parts: dict[str, Any] = {}
        path = f"/internal/accounts/{session.account_id}/export"
        for worker in ("billing", "customer"):
            reply = await self.gateway.call(worker, Request("GET", path, headers=rid), identity)
            if reply.status != 200:
                raise HttpError(502, "export_failed", "We could not gather all your data just now; try again.")
            parts[worker] = reply.json()
        ask = Request(
            "POST",
            "/internal/export",
            headers={**rid, "content-type": "application/json"},
            body=json.dumps({"address": account["email"]}).encode(),
        )
        reply = await self.gateway.call("mailer", ask, Identity(caller="core"))
        if reply.status != 200:
            raise HttpError(502, "export_failed", "We could not gather all your data just now; try again.")
        sessions_held = await self.ports.db.all(
            "SELECT user_agent, created_at, last_seen_at, revoked_at FROM sessions WHERE account_id = ?",
            (session.account_id,),
        )
        document = {
            "format": "smartpages-export/1",
            "exported_at": self.ports.clock.now(),
            "account": self.public(account),
            "sessions": sessions_held,
            "billing": parts["billing"],
            "sites": parts["customer"],
            "mail": reply.json(),
        }
        body = json.dumps(document, indent=1).encode()
        headers = [
            ("content-type", "application/json"),
            ("content-disposition", 'attachment; filename="smartpages-export.json"'),
        ]
        return Response(200, headers, body)

    async def list_sessions(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        listed = await sessions.list_active(self.ports.db, self.ports.clock, session.account_id, session.id)
        return json_response({"sessions": listed})

    async def revoke_session(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        if not await sessions.revoke(self.ports.db, self.ports.clock, session.account_id, params["session_id"]):
            raise HttpError(404, "session_not_found", "No such active session.")
        return no_content()

    async def revoke_other_sessions(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        ended = await sessions.revoke_all(self.ports.db, self.ports.clock, session.account_id, session.id)
        return json_response({"other_sessions_ended": ended})


def register(router: Router, accounts: Accounts) -> None:
    a = accounts
    router.add("POST", "/api/v1/auth/signup", a.signup)
    router.add("POST", "/api/v1/auth/verify", a.verify)
    router.add("POST", "/api/v1/auth/verify/resend", a.resend_verification)
    router.add("POST", "/api/v1/auth/login", a.login)
    router.add("POST", "/api/v1/auth/logout", a.logout)
    router.add("POST", "/api/v1/auth/password/forgot", a.forgot_password)
    router.add("POST", "/api/v1/auth/password/reset", a.reset_password)
    router.add("POST", "/api/v1/auth/magic-link", a.request_magic_link)
    router.add("POST", "/api/v1/auth/magic-link/consume", a.consume_magic_link)
    router.add("POST", "/api/v1/auth/email/confirm", a.confirm_email)
    router.add("POST", "/api/v1/auth/email/revert", a.revert_email)
    router.add("GET", "/api/v1/auth/turnstile", a.turnstile_config)
    router.add("GET", "/api/v1/account", a.get_account)
    router.add("DELETE", "/api/v1/account", a.delete_account)
    router.add("GET", "/api/v1/account/export", a.export)
    router.add("POST", "/api/v1/account/password", a.change_password)
    router.add("POST", "/api/v1/account/email", a.change_email)
    router.add("GET", "/api/v1/account/sessions", a.list_sessions)
    router.add("DELETE", "/api/v1/account/sessions", a.revoke_other_sessions)
    router.add("DELETE", "/api/v1/account/sessions/{session_id}", a.revoke_session)
