"""Core's public API as an OpenAPI 3.1 document, served at /api/v1/openapi.json.

tests/core/test_openapi.py keeps it in step with the router and the gateway's route table."""

from __future__ import annotations

from typing import Any

from core import gateway
from shared import attribution

_ERROR = {"$ref": "#/components/responses/Error"}
_SESSION: list[dict[str, list[str]]] = [{"session": []}]


def _body(*required: str, **props: Any) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": list(required),
                    "properties": props,
                }
            }
        },
    }


_S = {"type": "string"}
_B = {"type": "boolean"}
_EMAIL = {"type": "string", "format": "email", "maxLength": 254}
_PASSWORD = {"type": "string", "minLength": 8, "maxLength": 256}
_TOKEN = {"type": "string", "maxLength": 200}
# A passed Turnstile challenge (required when Turnstile is on: see GET /api/v1/auth/turnstile).
_HUMAN = {"type": "string", "maxLength": 2048}


def _op(
    summary: str, ok: int, body: dict[str, Any] | None = None, session: bool = False, errors: tuple[int, ...] = (400,)
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {str(ok): {"description": "Success"}}}
    for status in errors:
        op["responses"][str(status)] = _ERROR
    if body is not None:
        op["requestBody"] = body
    if session:
        op["security"] = _SESSION
        op["responses"]["401"] = _ERROR
    return op


OWN_ROUTES: dict[str, dict[str, dict[str, Any]]] = {
    "/api/v1/health": {
        "get": _op(
            "Liveness from memory; with `?deep=1` and `Authorization: Bearer <operator token>`, core,"
            " every internal worker and every store",
            200,
            errors=(401, 503),
        )
    },
    "/api/v1/openapi.json": {"get": _op("This document", 200, errors=())},
    "/api/v1/operator/report": {
        "get": {
            **_op(
                "Sign-ups, verified accounts, checkouts and paying customers by utm_source, utm_campaign and"
                " the plan the link chose, for accounts created from `from` to `to` (YYYY-MM-DD, UTC);"
                " `format=csv` for a CSV file. Bearer OPERATOR_TOKEN; 404 when it is unset",
                200,
                errors=(400, 401, 404, 503),
            ),
            "parameters": [
                {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}},
            ],
            "security": [{"operator": []}],
        }
    },
    "/api/v1/plans": {"get": _op("The plans and what each includes (shared/plans.py)", 200, errors=())},
    "/api/v1/auth/signup": {
        "post": _op(
            "Email a verification link to a new address, or tell a registered one's owner; the same 202 either way",
            202,
            _body(
                "email",
                "password",
                email=_EMAIL,
                password=_PASSWORD,
                turnstile_token=_HUMAN,
                attribution={
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {k: _S for k in attribution.KEYS},
                },
            ),
            errors=(400,),
        )
    },
    "/api/v1/auth/turnstile": {"get": _op("The Turnstile site key for the portal's forms (null: off)", 200, errors=())},
    "/api/v1/auth/verify": {
        "post": _op("Verify the email from the link; starts a session", 200, _body("token", token=_TOKEN))
    },
    "/api/v1/auth/verify/resend": {"post": _op("Email a new verification link", 202, _body("email", email=_EMAIL))},
    "/api/v1/auth/login": {
        "post": _op(
            "Log in; sets the __Host-session cookie",
            200,
            _body("email", "password", email=_EMAIL, password=_S),
            errors=(400, 401, 403, 429),
        )
    },
    "/api/v1/auth/logout": {"post": _op("End this session", 204, errors=())},
    "/api/v1/auth/password/forgot": {
        "post": _op("Email a password-reset link", 202, _body("email", email=_EMAIL, turnstile_token=_HUMAN))
    },
    "/api/v1/auth/password/reset": {
        "post": _op(
            "Set a new password from the link; ends every session and link, starts a new session",
            204,
            _body("token", "password", token=_TOKEN, password=_PASSWORD, end_other_sessions=_B),
        )
    },
    "/api/v1/auth/magic-link": {
        "post": _op("Email a sign-in link", 202, _body("email", email=_EMAIL, turnstile_token=_HUMAN))
    },
    "/api/v1/auth/magic-link/consume": {"post": _op("Sign in with the link", 200, _body("token", token=_TOKEN))},
    "/api/v1/auth/email/confirm": {
        "post": _op("Confirm a new email from the link", 200, _body("token", token=_TOKEN), errors=(400, 409))
    },
    "/api/v1/auth/email/revert": {
        "post": _op(
            "Undo an email change from the old address's link: back to it, with a new password; ends every session",
            200,
            _body("token", "password", token=_TOKEN, password=_PASSWORD),
            errors=(400, 409),
        )
    },
    "/api/v1/account": {
        "get": _op("The signed-in account", 200, session=True, errors=()),
        "delete": _op(
            "Delete the account, its sessions and its sites",
            204,
            _body("password", password=_S),
            session=True,
            errors=(400, 403, 502),
        ),
    },
    "/api/v1/account/export": {
        "get": _op(
            "Everything held about the account (account, sessions, billing, sites with their files, mail log)"
            " as one JSON download",
            200,
            session=True,
            errors=(502,),
        ),
    },
    "/api/v1/account/password": {
        "post": _op(
            "Change the password; ends every other session and link, re-issues this one",
            200,
            _body(
                "current_password", "new_password", current_password=_S, new_password=_PASSWORD, end_other_sessions=_B
            ),
            session=True,
            errors=(400, 403),
        )
    },
    "/api/v1/account/email": {
        "post": _op(
            "Email a confirmation link to a new address",
            202,
            _body("new_email", "password", new_email=_EMAIL, password=_S),
            session=True,
            errors=(400, 403, 409),
        )
    },
    "/api/v1/account/sessions": {
        "get": _op("Active sessions (device, created, last seen)", 200, session=True, errors=()),
        "delete": _op("End every other session", 200, session=True, errors=()),
    },
    "/api/v1/account/sessions/{session_id}": {
        "delete": {
            **_op("End one session", 204, session=True, errors=(404,)),
            "parameters": [{"name": "session_id", "in": "path", "required": True, "schema": _S}],
        }
    },
}


_OBJ = {"type": "object"}
_SITE_ID = [{"name": "site_id", "in": "path", "required": True, "schema": _S}]

# Operations of internal workers whose semantics a client must know, beside their prefix's entry.
FORWARDED: dict[str, dict[str, dict[str, Any]]] = {
    "/api/v1/sites/{site_id}": {
        "patch": {
            **_op(
                "Update a site partially. Only the fields sent change; `theme` and `seo` are merged field"
                " by field (the fields sent replace those kept, the others stay); `redirects` is replaced whole",
                200,
                {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {"name": _S, "theme": _OBJ, "seo": _OBJ, "redirects": _OBJ},
                            }
                        }
                    },
                },
                session=True,
                errors=(400, 404),
            ),
            "parameters": _SITE_ID,
            "x-smartpages-worker": "customer",
        }
    },
    "/api/v1/blocks/catalogue": {
        "get": {
            **_op(
                "Every block type a page can hold: its label, fields (kind, label, limits, layout options)"
                " and what a new one starts with; the editor builds its forms from it",
                200,
                session=True,
                errors=(),
            ),
            "x-smartpages-worker": "customer",
        }
    },
    "/api/v1/sites/{site_id}/publish": {
        "post": {
            **_op("Publish the draft as a new version (201)", 201, session=True, errors=(404, 409)),
            "parameters": _SITE_ID,
            "x-smartpages-worker": "customer",
        }
    },
}
FORWARDED["/api/v1/sites/{site_id}/publish"]["post"]["responses"]["200"] = {
    "description": "The draft is what is live already: nothing recorded, `unchanged: true`, the live version"
}


def _proxied(route: gateway.GatewayRoute) -> dict[str, Any]:
    op = _op(f"Handled by the {route.worker} worker", 200, session=route.session, errors=(400, 404, 501))
    op["x-smartpages-worker"] = route.worker
    if route.entitlement:
        op["x-smartpages-entitlement"] = route.entitlement
        op["responses"]["402"] = _ERROR
    return {"x-smartpages-prefix": True, **{m: op for m in ("get", "post")}}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = dict(OWN_ROUTES)
    for route in gateway.ROUTES:
        paths[route.prefix] = _proxied(route)
    paths.update(FORWARDED)
    return {
        "openapi": "3.1.0",
        "info": {"title": "SmartPages API", "version": "1"},
        "servers": [{"url": "https://www.smartpages.online"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "__Host-session"},
                "operator": {"type": "http", "scheme": "bearer"},
            },
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error"],
                                "properties": {
                                    "error": {
                                        "type": "object",
                                        "required": ["code", "message", "request_id"],
                                        "properties": {"code": _S, "message": _S, "request_id": _S},
                                    }
                                },
                            }
                        }
                    },
                }
            },
        },
    }
