"""Core's public API as an OpenAPI 3.1 document, served at /api/v1/openapi.json: every public
operation, core's own and those the gateway forwards to customer, billing and mailer.

Request bodies and query strings are described from the shared.schema specs the handlers validate
with: core's own below, the internal workers' from their `API` tables, which each one serves at
`GET /internal/openapi` (shared/openapi.py). No worker imports another, so core asks them when the
document is requested instead of keeping a copy that could drift; what the gateway adds (the
session, the paywall) is core's own knowledge and is added here.
tests/core/test_openapi.py keeps it in step with every router and the gateway's route table."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from core import account_commands, gateway, health, report
from shared import attribution, internal_auth, plans
from shared.app import REQUEST_ID_HEADER
from shared.errors import HttpError
from shared.http import Request
from shared.openapi import DESCRIBE_PATH, ERROR, ERROR_SCHEMA, Operation, paths

FORWARDED_WORKERS = tuple(dict.fromkeys(route.worker for route in gateway.ROUTES))
UNSAFE = ("post", "put", "patch", "delete")

_STR = {"type": "string"}
_ACCEPTED = {"type": "object", "required": ["status"], "properties": {"status": {"const": "accepted"}}}
_ACCOUNT = {
    "type": "object",
    "required": ["account"],
    "properties": {
        "account": {
            "type": "object",
            "required": ["id", "email", "email_verified", "has_password", "created_at", "attribution"],
            "properties": {
                "id": _STR,
                "email": _STR,
                "email_verified": {"type": "boolean"},
                "has_password": {"type": "boolean"},
                "created_at": {"type": "number"},
                "attribution": attribution.Attribution().json_schema(),
                # Only on a sign-in that brought back an account whose deletion was scheduled.
                "restored": {"type": "boolean"},
            },
        }
    },
}
_PLANS = {
    "type": "object",
    "required": ["plans", "attribution"],
    "properties": {
        "plans": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "monthly_price_eur", "yearly_price_eur", "limits", "entitlements"],
            },
        },
        "attribution": {"type": "object", "required": ["keys", "pattern"]},
    },
}
_OBJECT: dict[str, Any] = {"type": "object"}
_SESSION = ("session",)
_LOGIN_ERRORS = (401, 403, 429)

OWN: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/api/v1/health",
        "Liveness from memory; with `?deep=1` and `Authorization: Bearer <operator token>`, core, every internal"
        " worker and every store",
        query=health.QUERY,
        response={"type": "object", "required": ["status"]},
        errors=(401, 503),
    ),
    Operation("GET", "/api/v1/openapi.json", "This document", response={"type": "object", "required": ["openapi"]}),
    Operation(
        "GET",
        "/api/v1/operator/report",
        "Sign-ups, verified accounts, checkouts and paying customers by utm_source, utm_campaign and the plan the"
        " link chose, for accounts created from `from` to `to` (UTC, both included); `format=csv` for a CSV file."
        " 404 when OPERATOR_TOKEN is unset",
        query=report.QUERY,
        content="",
        errors=(401, 404, 503),
        security=("operator",),
    ),
    Operation("GET", "/api/v1/plans", "The plans and what each includes (shared/plans.py)", response=_PLANS),
    Operation(
        "POST",
        "/api/v1/auth/signup",
        "Email a verification link to a new address, or tell a registered one's owner; the same 202 either way",
        202,
        body=account_commands.SIGNUP,
        response=_ACCEPTED,
    ),
    Operation(
        "GET",
        "/api/v1/auth/turnstile",
        "The Turnstile site key for the portal's forms (null: off)",
        response={"type": "object", "required": ["site_key"], "properties": {"site_key": {"type": ["string", "null"]}}},
    ),
    Operation(
        "POST",
        "/api/v1/auth/verify",
        "Verify the email from the link; starts a session. The first verification discards a password set before it"
        " (`has_password` false: the owner chooses one with POST /api/v1/account/password)",
        body=account_commands.LINK,
        response=_ACCOUNT,
    ),
    Operation(
        "POST",
        "/api/v1/auth/verify/resend",
        "Email a new verification link (capped per account and per mailbox; the same 202 either way)",
        202,
        body=account_commands.EMAIL_HUMAN,
        response=_ACCEPTED,
    ),
    Operation(
        "POST",
        "/api/v1/auth/login",
        "Log in; sets the __Host-session cookie and `__Host-device` (this browser's own bucket of failed logins)",
        body=account_commands.LOGIN,
        response=_ACCOUNT,
        errors=_LOGIN_ERRORS,
    ),
    Operation("POST", "/api/v1/auth/logout", "End this session", 204, content=""),
    Operation(
        "POST",
        "/api/v1/auth/password/forgot",
        "Email a password-reset link",
        202,
        body=account_commands.EMAIL_HUMAN,
        response=_ACCEPTED,
    ),
    Operation(
        "POST",
        "/api/v1/auth/password/reset",
        "Set a new password from the link; ends every session and link, starts a new session",
        204,
        body=account_commands.RESET,
        content="",
    ),
    Operation(
        "POST",
        "/api/v1/auth/magic-link",
        "Email a sign-in link",
        202,
        body=account_commands.EMAIL_HUMAN,
        response=_ACCEPTED,
    ),
    Operation(
        "POST",
        "/api/v1/auth/magic-link/consume",
        "Sign in with the link (a first verification: see /api/v1/auth/verify)",
        body=account_commands.LINK,
        response=_ACCOUNT,
    ),
    Operation(
        "POST",
        "/api/v1/auth/email/confirm",
        "Confirm a new email from the link; ends every session, this one included",
        body=account_commands.LINK,
        response=_ACCOUNT,
        errors=(409,),
    ),
    Operation(
        "POST",
        "/api/v1/auth/email/revert",
        "Undo an email change from the old address's link: back to it, with a new password; ends every session",
        body=account_commands.REVERT,
        response=_ACCOUNT,
        errors=(409,),
    ),
    Operation("GET", "/api/v1/account", "The signed-in account", response=_ACCOUNT, security=_SESSION),
    Operation(
        "DELETE",
        "/api/v1/account",
        "Schedule the account's deletion: the subscription is cancelled at once, the sites go offline and every"
        " session ends; signing in before `deletes_at` (14 days) restores everything, after it the account,"
        " its sites and its data are deleted",
        body=account_commands.PASSWORD_ONLY,
        response={"type": "object", "required": ["deletes_at"], "properties": {"deletes_at": {"type": "number"}}},
        errors=(403, 429, 502),
        security=_SESSION,
    ),
    Operation(
        "GET",
        "/api/v1/account/export",
        "Everything held about the account (account, sessions, billing, sites with their files, mail log) as one"
        " JSON download",
        response=_OBJECT,
        errors=(502,),
        security=_SESSION,
    ),
    Operation(
        "POST",
        "/api/v1/account/password",
        "Change the password (or choose the first one: `current_password` omitted while `has_password` is false);"
        " ends every other session and link, re-issues this one",
        body=account_commands.CHANGE_PASSWORD,
        response=_OBJECT,
        errors=(403, 429),
        security=_SESSION,
    ),
    Operation(
        "POST",
        "/api/v1/account/email",
        "Email a confirmation link to a new address (a registered one's owner gets a note instead; the same 202"
        " either way); 429 after 3 an hour or 10 a day, or after wrong passwords (as log-in)",
        202,
        body=account_commands.CHANGE_EMAIL,
        response=_OBJECT,
        errors=(403, 429),
        security=_SESSION,
    ),
    Operation(
        "GET",
        "/api/v1/account/sessions",
        "Active sessions (device, created, last seen)",
        response=_OBJECT,
        security=_SESSION,
    ),
    Operation("DELETE", "/api/v1/account/sessions", "End every other session", response=_OBJECT, security=_SESSION),
    Operation(
        "DELETE",
        "/api/v1/account/sessions/{session_id}",
        "End one session",
        204,
        content="",
        errors=(404,),
        security=_SESSION,
    ),
)

SECURITY_SCHEMES = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Host-session",
        "description": "Set by log-in, verification and magic links. CSRF rule: a POST, PUT, PATCH or DELETE to"
        " core's own routes or to a route that needs the session is refused with 403 `cross_origin_refused`"
        " when it carries an `Origin` other than the portal's or a `Sec-Fetch-Site` other than same-origin or"
        " none (core/csrf.py).",
    },
    "operator": {"type": "http", "scheme": "bearer", "description": "OPERATOR_TOKEN"},
    "stripe_signature": {
        "type": "apiKey",
        "in": "header",
        "name": "Stripe-Signature",
        "description": "`t=…,v1=…`: HMAC-SHA256 with the endpoint's whsec_ secret over `{t}.{raw body}`, at most"
        " 300 s old; checked by billing on the untouched bytes.",
    },
    "resend_signature": {
        "type": "apiKey",
        "in": "header",
        "name": "svix-signature",
        "description": "Svix: `v1,<base64>` HMAC-SHA256 keyed with the base64-decoded secret after whsec_, over"
        " `{svix-id}.{svix-timestamp}.{raw body}`, at most 300 s old; checked by mailer.",
    },
}


def _forwarded(worker: str, described: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A worker's operations as the gateway exposes them: the session and paywall it puts in front."""
    out: dict[str, dict[str, Any]] = {}
    for path, item in described.items():
        route = gateway.find(path)
        if route is None or route.worker != worker:
            raise HttpError(502, "bad_gateway", f"The {worker} worker describes {path}, which core does not route.")
        out[path] = {}
        for method, op in item.items():
            op = {**op, "responses": dict(op["responses"]), "x-smartpages-worker": worker}
            if route.session:
                op["security"] = [{"session": []}]
                op["responses"]["401"] = ERROR
                if method in UNSAFE:
                    op["responses"]["403"] = ERROR  # the CSRF rule
            if route.entitlement and method.upper() not in route.ungated:
                op["x-smartpages-entitlement"] = route.entitlement
                op["x-smartpages-required-plan"] = (plans.cheapest_with(route.entitlement) or plans.FREE).id
                op["responses"]["402"] = ERROR
            out[path][method] = op
    return out


def document(described: Mapping[str, Mapping[str, dict[str, Any]]]) -> dict[str, Any]:
    """The whole document, from each internal worker's described paths."""
    all_paths = paths(OWN)
    for item in all_paths.values():
        for method, op in item.items():
            if method in UNSAFE:  # every unsafe request to core's own routes passes the CSRF rule
                op["responses"]["403"] = ERROR
    for worker in FORWARDED_WORKERS:
        all_paths.update(_forwarded(worker, described[worker]))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SmartPages API",
            "version": "1",
            "description": 'Every error is `{"error": {"code", "message", "request_id"}}`, with `field` (the'
            " invalid field's path) on a 400 and `required_plan` / `feature` / `limit` on a 402.",
        },
        "servers": [{"url": "https://www.smartpages.online"}],
        "paths": all_paths,
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }


async def gather(gw: gateway.Gateway, request: Request) -> dict[str, Any]:
    """Asks each internal worker for its operations (in parallel) and returns the whole document."""

    async def ask(worker: str) -> dict[str, Any]:
        inner = Request("GET", DESCRIBE_PATH, headers={REQUEST_ID_HEADER: request.header(REQUEST_ID_HEADER)})
        reply = await gw.call(worker, inner, internal_auth.Identity(caller="core"))
        if reply.status != 200:
            raise HttpError(503, "openapi_unavailable", f"The {worker} worker did not describe its operations.")
        described: dict[str, Any] = reply.json()["paths"]
        return described

    answers = await asyncio.gather(*(ask(worker) for worker in FORWARDED_WORKERS))
    return document(dict(zip(FORWARDED_WORKERS, answers, strict=True)))
