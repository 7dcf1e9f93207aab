"""The accounts API's HTTP layer, and nothing else: each handler parses the request into a typed
command (core/account_commands.py), calls a business function with plain values (signup, login,
recovery, email_change, account_settings, account_data) and shapes the answer: status, body and
cookies. Business functions raise shared.errors' domain errors; shared/app.py tells them in HTTP."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from core import (
    account_data,
    account_settings,
    devices,
    email_change,
    login,
    recovery,
    sessions,
    signup,
)
from core.account_commands import (
    CHANGE_EMAIL,
    CHANGE_PASSWORD,
    EMAIL_HUMAN,
    LINK,
    LOGIN,
    PASSWORD_ONLY,
    RESET,
    REVERT,
    SIGNUP,
    AskForLink,
    ChangeEmail,
    ChangePassword,
    ConfirmPassword,
    FollowLink,
    LogIn,
    ResetPassword,
    RevertEmail,
    SignUp,
)
from core.services import Caller, Services, SignedIn
from shared.app import REQUEST_ID_HEADER
from shared.http import Request, Response, json_response
from shared.routing import Call, Router, Table
from shared.schema import read_command

__all__ = [  # the specs, for core/openapi.py
    "CHANGE_EMAIL",
    "CHANGE_PASSWORD",
    "EMAIL_HUMAN",
    "LINK",
    "LOGIN",
    "PASSWORD_ONLY",
    "RESET",
    "REVERT",
    "SIGNUP",
    "register",
]

ACCEPTED = {"status": "accepted"}
AccountHandler = Callable[[Services, Call], Awaitable[Response]]


def caller_of(request: Request) -> Caller:
    return Caller(
        address=request.header("cf-connecting-ip") or "unknown",
        user_agent=request.header("user-agent"),
        request_id=request.header(REQUEST_ID_HEADER),
        device_cookie=request.cookies.get(devices.COOKIE, ""),
    )


async def session_of(svc: Services, request: Request) -> sessions.Session:
    return await sessions.require(svc.ports.db, svc.ports.crypto, svc.ports.clock, request)


def accepted() -> Response:
    return json_response(ACCEPTED, 202)


def signed_in(result: SignedIn) -> Response:
    cookies = [sessions.set_cookie(result.session_token)]
    if result.device_cookie:
        cookies.append(devices.set_cookie(result.device_cookie))
    return json_response({"account": result.account}, 200, cookies)


# --- sign up and verify -------------------------------------------------------------------------------
async def post_signup(svc: Services, c: Call) -> Response:
    await signup.signup(svc, read_command(c.request, SIGNUP, SignUp), caller_of(c.request))
    return accepted()


async def post_verify(svc: Services, c: Call) -> Response:
    return signed_in(await signup.verify(svc, read_command(c.request, LINK, FollowLink), caller_of(c.request)))


def link_form(ask: Callable[[Services, AskForLink, Caller], Awaitable[None]]) -> AccountHandler:
    """A public form that emails a link (verification again, password reset, magic link): the same
    202 whether or not the address has an account."""

    async def post(svc: Services, c: Call) -> Response:
        await ask(svc, read_command(c.request, EMAIL_HUMAN, AskForLink), caller_of(c.request))
        return accepted()

    return post


async def get_turnstile(svc: Services, c: Call) -> Response:
    """The public site key the portal renders its Turnstile widget with (null: Turnstile is off)."""
    return json_response({"site_key": svc.turnstile.site_key if svc.turnstile.enabled else None})


# --- log in and out -----------------------------------------------------------------------------------
async def post_login(svc: Services, c: Call) -> Response:
    return signed_in(await login.login(svc, read_command(c.request, LOGIN, LogIn), caller_of(c.request)))


async def post_logout(svc: Services, c: Call) -> Response:
    ports = svc.ports
    await login.logout(svc, await sessions.current(ports.db, ports.crypto, ports.clock, c.request))
    return Response(204, [sessions.clear_cookie()])


# --- password reset and magic link --------------------------------------------------------------------
async def post_reset_password(svc: Services, c: Call) -> Response:
    command = read_command(c.request, RESET, ResetPassword)
    token = await recovery.reset_password(svc, command, caller_of(c.request))
    return Response(204, [sessions.set_cookie(token)])


async def post_consume_magic_link(svc: Services, c: Call) -> Response:
    command = read_command(c.request, LINK, FollowLink)
    return signed_in(await recovery.consume_magic_link(svc, command, caller_of(c.request)))


# --- the account's address ----------------------------------------------------------------------------
async def post_change_email(svc: Services, c: Call) -> Response:
    session = await session_of(svc, c.request)
    command = read_command(c.request, CHANGE_EMAIL, ChangeEmail)
    await email_change.change_email(svc, session, command, caller_of(c.request))
    return accepted()  # the same answer whether or not the address has an account


async def post_confirm_email(svc: Services, c: Call) -> Response:
    command = read_command(c.request, LINK, FollowLink)
    account = await email_change.confirm_email(svc, command, caller_of(c.request))
    return json_response({"account": account}, 200, [sessions.clear_cookie()])


async def post_revert_email(svc: Services, c: Call) -> Response:
    command = read_command(c.request, REVERT, RevertEmail)
    return signed_in(await email_change.revert_email(svc, command, caller_of(c.request)))


# --- the signed-in account ----------------------------------------------------------------------------
async def get_account(svc: Services, c: Call) -> Response:
    return json_response({"account": await account_settings.get_account(svc, await session_of(svc, c.request))})


async def post_change_password(svc: Services, c: Call) -> Response:
    session = await session_of(svc, c.request)
    command = read_command(c.request, CHANGE_PASSWORD, ChangePassword)
    ended, token = await account_settings.change_password(svc, session, command, caller_of(c.request))
    return json_response({"other_sessions_ended": ended}, 200, [sessions.set_cookie(token)])


async def get_sessions(svc: Services, c: Call) -> Response:
    return json_response({"sessions": await account_settings.list_sessions(svc, await session_of(svc, c.request))})


async def delete_session(svc: Services, c: Call) -> Response:
    await account_settings.revoke_session(svc, await session_of(svc, c.request), c.params["session_id"])
    return Response(204)


async def delete_other_sessions(svc: Services, c: Call) -> Response:
    ended = await account_settings.revoke_other_sessions(svc, await session_of(svc, c.request))
    return json_response({"other_sessions_ended": ended})


async def delete_account(svc: Services, c: Call) -> Response:
    session = await session_of(svc, c.request)
    command = read_command(c.request, PASSWORD_ONLY, ConfirmPassword)
    deletes_at = await account_data.delete_account(svc, session, command, caller_of(c.request))
    return json_response({"deletes_at": deletes_at}, 200, [sessions.clear_cookie()])


async def get_export(svc: Services, c: Call) -> Response:
    """`GET /api/v1/account/export`: everything we hold about the account, as one JSON download."""
    document = await account_data.export(svc, await session_of(svc, c.request), caller_of(c.request))
    headers = [
        ("content-type", "application/json"),
        ("content-disposition", 'attachment; filename="smartpages-export.json"'),
    ]
    return Response(200, headers, json.dumps(document, indent=1).encode())


# Every route of the accounts API, in one table: path -> method -> handler.
ROUTES: Table[Services] = {
    "/api/v1/auth/signup": {"POST": post_signup},
    "/api/v1/auth/verify": {"POST": post_verify},
    "/api/v1/auth/verify/resend": {"POST": link_form(signup.resend_verification)},
    "/api/v1/auth/login": {"POST": post_login},
    "/api/v1/auth/logout": {"POST": post_logout},
    "/api/v1/auth/password/forgot": {"POST": link_form(recovery.forgot_password)},
    "/api/v1/auth/password/reset": {"POST": post_reset_password},
    "/api/v1/auth/magic-link": {"POST": link_form(recovery.request_magic_link)},
    "/api/v1/auth/magic-link/consume": {"POST": post_consume_magic_link},
    "/api/v1/auth/email/confirm": {"POST": post_confirm_email},
    "/api/v1/auth/email/revert": {"POST": post_revert_email},
    "/api/v1/auth/turnstile": {"GET": get_turnstile},
    "/api/v1/account": {"GET": get_account, "DELETE": delete_account},
    "/api/v1/account/export": {"GET": get_export},
    "/api/v1/account/password": {"POST": post_change_password},
    "/api/v1/account/email": {"POST": post_change_email},
    "/api/v1/account/sessions": {"GET": get_sessions, "DELETE": delete_other_sessions},
    "/api/v1/account/sessions/{session_id}": {"DELETE": delete_session},
}


def register(router: Router, svc: Services) -> None:
    router.add_table(ROUTES, svc)
