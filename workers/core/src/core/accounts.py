"""Accounts: sign up, verify, log in and out, password reset, magic link, and the account's own
settings (password, email, sessions, deletion). Routes are registered by `register`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core import mail, passwords, ratelimit, sessions, tokens
from core.deps import CoreDeps
from core.gateway import Gateway
from shared import attribution
from shared import validation as v
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.internal_auth import Identity
from shared.jsonbody import read_json_object
from shared.routing import Params, Router

ACCEPTED = {"status": "accepted"}


def no_content(headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(204, headers or [])


def client_address(request: Request) -> str:
    # Cloudflare sets cf-connecting-ip and a client cannot override it at the edge.
    return request.header("cf-connecting-ip") or "unknown"


@dataclass
class Accounts:
    deps: CoreDeps
    gateway: Gateway

    # -- helpers ---------------------------------------------------------------------------------

    def link(self, page: str, secret: str) -> str:
        return f"{self.deps.portal_origin}/{page}?token={secret}"

    async def account_by_email(self, email: str) -> dict[str, Any] | None:
        rows = await self.deps.db.all("SELECT * FROM accounts WHERE email = ?", (email,))
        return rows[0] if rows else None

    async def account_by_id(self, account_id: str) -> dict[str, Any]:
        rows = await self.deps.db.all("SELECT * FROM accounts WHERE id = ?", (account_id,))
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
            self.deps.db, self.deps.crypto, self.deps.clock, purpose, str(account["id"]), data
        )
        await mail.send(
            self.gateway,
            template,
            to,
            {"link": self.link(page, secret)},
            f"{purpose.replace('_', '-')}/{token_id}",
            request.header("x-request-id"),
        )

    async def consume_link(self, request: Request, purpose: str) -> tokens.Token:
        """The body of every email-link POST: {"token": "..."}."""
        data = read_json_object(request)
        v.only(data, ("token",))
        secret = v.string(data, "token", max_length=200)
        return await tokens.consume(self.deps.db, self.deps.crypto, self.deps.clock, purpose, secret)

    async def start_session(self, request: Request, account_id: str) -> tuple[str, str]:
        token = await sessions.create(
            self.deps.db, self.deps.crypto, self.deps.clock, account_id, request.header("user-agent")
        )
        return sessions.set_cookie(token)

    async def check_password(self, account: dict[str, Any], password: str) -> None:
        if not await passwords.verify_password(self.deps.crypto, password, str(account["password_hash"] or "")):
            raise HttpError(403, "wrong_password", "The current password is not right.")

    def public(self, account: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": account["id"],
            "email": account["email"],
            "email_verified": account["email_verified_at"] is not None,
            "created_at": account["created_at"],
            "attribution": json.loads(str(account["attribution"])),
        }

    # -- sign up and verify --------------------------------------------------------------------

    async def signup(self, request: Request, params: Params) -> Response:
        data = read_json_object(request)
        v.only(data, ("email", "password", "attribution"))
        email = v.email(data)
        password = v.string(data, "password", max_length=passwords.MAX_LENGTH + 1)
        passwords.check_policy(password)
        kept = attribution.clean(data.get("attribution"))
        if await self.account_by_email(email) is not None:
            raise HttpError(409, "email_taken", "An account with this email already exists. Log in instead.")
        account_id = "acct_" + self.deps.crypto.random_bytes(12).hex()
        password_hash = await passwords.hash_password(self.deps.crypto, password)
        await self.deps.db.run(
            "INSERT INTO accounts (id, email, password_hash, attribution, created_at) VALUES (?, ?, ?, ?, ?)",
            (account_id, email, password_hash, json.dumps(kept), self.deps.clock.now()),
        )
        account = await self.account_by_id(account_id)
        await self.send_link(request, tokens.VERIFY_EMAIL, "verify_email", account, email, "verify")
        return json_response({"account": self.public(account)}, 201)

    async def verify(self, request: Request, params: Params) -> Response:
        token = await self.consume_link(request, tokens.VERIFY_EMAIL)
        account = await self.account_by_id(token.account_id)
        if account["email_verified_at"] is None:
            await self.deps.db.run(
                "UPDATE accounts SET email_verified_at = ? WHERE id = ?", (self.deps.clock.now(), token.account_id)
            )
            await mail.send(
                self.gateway,
                "welcome",
                str(account["email"]),
                {"portal": self.deps.portal_origin},
                f"welcome/{token.account_id}",
                request.header("x-request-id"),
            )
        cookie = await self.start_session(request, token.account_id)
        return json_response({"account": self.public(await self.account_by_id(token.account_id))}, 200, [cookie])

    async def resend_verification(self, request: Request, params: Params) -> Response:
        data = read_json_object(request)
        v.only(data, ("email",))
        account = await self.account_by_email(v.email(data))
        if account is not None and account["email_verified_at"] is None:
            await self.send_link(request, tokens.VERIFY_EMAIL, "verify_email", account, str(account["email"]), "verify")
        return json_response(ACCEPTED, 202)  # the same answer either way: no account enumeration

    # -- log in and out --------------------------------------------------------------------------

    async def login(self, request: Request, params: Params) -> Response:
        data = read_json_object(request)
        v.only(data, ("email", "password"))
        email = v.email(data)
        password = v.string(data, "password", max_length=passwords.MAX_LENGTH + 1)
        reservation = await ratelimit.reserve(self.deps.db, self.deps.clock, email.lower(), client_address(request))
        account = await self.account_by_email(email)
        stored = str(account["password_hash"]) if account and account["password_hash"] else passwords.DUMMY_HASH
        # The unknown-email case pays for the same key derivation, and both fail identically.
        valid = await passwords.verify_password(self.deps.crypto, password, stored)
        if account is None or not valid:
            raise HttpError(401, "invalid_credentials", "The email or password is not right.")
        await ratelimit.release(self.deps.db, reservation)
        if account["email_verified_at"] is None:
            raise HttpError(403, "email_not_verified", "Verify your email first: we sent you a link.")
        cookie = await self.start_session(request, str(account["id"]))
        return json_response({"account": self.public(account)}, 200, [cookie])

    async def logout(self, request: Request, params: Params) -> Response:
        session = await sessions.current(self.deps.db, self.deps.crypto, self.deps.clock, request)
        if session is not None:
            await sessions.revoke(self.deps.db, self.deps.clock, session.account_id, session.id)
        return no_content([sessions.clear_cookie()])

    # -- password reset and magic link ----------------------------------------------------------

    async def forgot_password(self, request: Request, params: Params) -> Response:
        data = read_json_object(request)
        v.only(data, ("email",))
        account = await self.account_by_email(v.email(data))
        if account is not None:
            await self.send_link(
                request, tokens.PASSWORD_RESET, "password_reset", account, str(account["email"]), "reset"
            )
        return json_response(ACCEPTED, 202)

    async def reset_password(self, request: Request, params: Params) -> Response:
        data = read_json_object(request)
        v.only(data, ("token", "password", "end_other_sessions"))
        password = v.string(data, "password", max_length=passwords.MAX_LENGTH + 1)
        end_others = v.boolean(data, "end_other_sessions", default=True)
        passwords.check_policy(password)
        token = await tokens.consume(
            self.deps.db,
            self.deps.crypto,
            self.deps.clock,
            tokens.PASSWORD_RESET,
            v.string(data, "token", max_length=200),
        )
        password_hash = await passwords.hash_password(self.deps.crypto, password)
        # Following the emailed link proves the address, so it also counts as verifying it.
        await self.deps.db.run(
            "UPDATE accounts SET password_hash = ?, email_verified_at = coalesce(email_verified_at, ?) WHERE id = ?",
            (password_hash, self.deps.clock.now(), token.account_id),
        )
        if end_others:
            await sessions.revoke_all(self.deps.db, self.deps.clock, token.account_id)
        cookie = await self.start_session(request, token.account_id)
        return no_content([cookie])

    async def request_magic_link(self, request: Request, params: Params) -> Response:
        data = read_json_object(request)
        v.only(data, ("email",))
        account = await self.account_by_email(v.email(data))
        if account is not None:
            await self.send_link(request, tokens.MAGIC_LINK, "magic_link", account, str(account["email"]), "magic")
        return json_response(ACCEPTED, 202)

    async def consume_magic_link(self, request: Request, params: Params) -> Response:
        token = await self.consume_link(request, tokens.MAGIC_LINK)
        await self.deps.db.run(
            "UPDATE accounts SET email_verified_at = coalesce(email_verified_at, ?) WHERE id = ?",
            (self.deps.clock.now(), token.account_id),
        )
        cookie = await self.start_session(request, token.account_id)
        return json_response({"account": self.public(await self.account_by_id(token.account_id))}, 200, [cookie])

    # -- the signed-in account -----------------------------------------------------------------

    async def session(self, request: Request) -> sessions.Session:
        return await sessions.require(self.deps.db, self.deps.crypto, self.deps.clock, request)

    async def get_account(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        return json_response({"account": self.public(await self.account_by_id(session.account_id))})

    async def change_password(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        data = read_json_object(request)
        v.only(data, ("current_password", "new_password", "end_other_sessions"))
        current = v.string(data, "current_password", max_length=passwords.MAX_LENGTH + 1)
        new = v.string(data, "new_password", max_length=passwords.MAX_LENGTH + 1)
        end_others = v.boolean(data, "end_other_sessions", default=False)
        await self.check_password(await self.account_by_id(session.account_id), current)
        passwords.check_policy(new, "new_password")
        await self.deps.db.run(
            "UPDATE accounts SET password_hash = ? WHERE id = ?",
            (await passwords.hash_password(self.deps.crypto, new), session.account_id),
        )
        ended = (
            await sessions.revoke_all(self.deps.db, self.deps.clock, session.account_id, session.id)
            if end_others
            else 0
        )
        return json_response({"other_sessions_ended": ended})

    async def change_email(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        data = read_json_object(request)
        v.only(data, ("new_email", "password"))
        new_email = v.email(data, "new_email")
        account = await self.account_by_id(session.account_id)
        await self.check_password(account, v.string(data, "password", max_length=passwords.MAX_LENGTH + 1))
        if await self.account_by_email(new_email) is not None:
            raise HttpError(409, "email_taken", "Another account already uses this email.")
        # Nothing changes until the new address proves it is reachable.
        await self.send_link(
            request, tokens.EMAIL_CHANGE, "email_change", account, new_email, "confirm-email", {"new_email": new_email}
        )
        return json_response(ACCEPTED, 202)

    async def confirm_email(self, request: Request, params: Params) -> Response:
        token = await self.consume_link(request, tokens.EMAIL_CHANGE)
        new_email = str(token.data["new_email"])
        if await self.account_by_email(new_email) is not None:
            raise HttpError(409, "email_taken", "Another account already uses this email.")
        await self.deps.db.run(
            "UPDATE accounts SET email = ?, email_verified_at = ? WHERE id = ?",
            (new_email, self.deps.clock.now(), token.account_id),
        )
        return json_response({"account": self.public(await self.account_by_id(token.account_id))})

    async def delete_account(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        data = read_json_object(request)
        v.only(data, ("password",))
        account = await self.account_by_id(session.account_id)
        await self.check_password(account, v.string(data, "password", max_length=passwords.MAX_LENGTH + 1))
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
        await self.deps.db.batch(
            [
                (
                    "UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                    (self.deps.clock.now(), session.account_id),
                ),
                ("DELETE FROM accounts WHERE id = ?", (session.account_id,)),
            ]
        )
        return no_content([sessions.clear_cookie()])

    async def list_sessions(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        listed = await sessions.list_active(self.deps.db, self.deps.clock, session.account_id, session.id)
        return json_response({"sessions": listed})

    async def revoke_session(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        if not await sessions.revoke(self.deps.db, self.deps.clock, session.account_id, params["session_id"]):
            raise HttpError(404, "session_not_found", "No such active session.")
        return no_content()

    async def revoke_other_sessions(self, request: Request, params: Params) -> Response:
        session = await self.session(request)
        ended = await sessions.revoke_all(self.deps.db, self.deps.clock, session.account_id, session.id)
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
    router.add("GET", "/api/v1/account", a.get_account)
    router.add("DELETE", "/api/v1/account", a.delete_account)
    router.add("POST", "/api/v1/account/password", a.change_password)
    router.add("POST", "/api/v1/account/email", a.change_email)
    router.add("GET", "/api/v1/account/sessions", a.list_sessions)
    router.add("DELETE", "/api/v1/account/sessions", a.revoke_other_sessions)
    router.add("DELETE", "/api/v1/account/sessions/{session_id}", a.revoke_session)
