"""A stand-in for HubSpot's CRM v3 contacts API, in process: it implements the HttpClient port, so
mailer talks to it exactly as it talks to `https://api.hubapi.com` through fetch.

What it enforces, as HubSpot documents it:
- `Authorization: Bearer <private app token>`: missing or wrong, 401 `INVALID_AUTHENTICATION`;
- `POST /crm/v3/objects/contacts {"properties": {…}}`: 201 with the contact; an address that
  already has a contact, 409 `CONFLICT` ("Contact already exists. Existing ID: …");
- `PATCH|GET /crm/v3/objects/contacts/{id}` (or `{email}?idProperty=email`): 200, or 404
  `OBJECT_NOT_FOUND`;
- property names must exist in the account (HubSpot's defaults used here plus the custom ones the
  account defines: `properties`), else 400 `VALIDATION_ERROR` / `PROPERTY_DOESNT_EXIST`; an unknown
  `lifecyclestage` option is 400 `INVALID_OPTION`;
- a rolling limit of `rate_limit` calls per 10 s: 429 `RATE_LIMITS` with the
  `X-HubSpot-RateLimit-*` headers. `fail_next(n, status)` makes the next calls fail (429, 5xx).
Every error is `{status: "error", message, correlationId, category}`. Emails are compared lower-cased.

Served over HTTP (`python -m devstack.hubspot_standin`) mailer reaches it at HUBSPOT_API_BASE;
`GET /_standin/contacts` lists the contacts, `POST /_standin/faults {"down": bool}` switches an
outage; devstack.persist keeps its contacts across restarts."""

from __future__ import annotations

import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from shared.http import Request, Response, json_response
from shared.ports import Clock

CONTACTS = "/crm/v3/objects/contacts"
TOKEN = "pat-na1-standin-0000-0000-000000000000"  # noqa: S105 (the stand-in's own, public)
WINDOW_SECONDS = 10.0
# HubSpot's default contact properties a sync might write (a subset), and the custom ones
# SmartPages asks the account to define (docs/billing.md, "CRM sync").
DEFAULT_PROPERTIES = frozenset(
    {"email", "firstname", "lastname", "company", "phone", "website", "lifecyclestage", "hs_lead_status"}
)
CUSTOM_PROPERTIES = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "smartpages_entry_plan",
        "smartpages_ref",
        "smartpages_landing_page",
    }
)
READ_ONLY = frozenset({"hs_object_id", "createdate", "lastmodifieddate"})
LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)


def error(status: int, category: str, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
    return json_response(body, status, headers)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class HubSpotStandin:
    """`contacts`: by id, each `{id, properties, createdAt, updatedAt}`; `calls`: every request."""

    token: str = TOKEN
    clock: Clock | None = None
    properties: frozenset[str] = DEFAULT_PROPERTIES | CUSTOM_PROPERTIES
    rate_limit: int = 100  # per 10 s: a private app on the Free and Starter tiers
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Request] = field(default_factory=list)
    blocklisted: set[str] = field(default_factory=set)  # GDPR-deleted addresses that had no contact
    down: bool = False
    _failures: deque[int] = field(default_factory=deque)
    _recent: deque[float] = field(default_factory=deque)
    _next_id: int = 101

    def fail_next(self, count: int, status: int) -> None:
        self._failures.extend([status] * count)

    def _now(self) -> float:
        return self.clock.now() if self.clock is not None else datetime.now(UTC).timestamp()

    # -- persistence (devstack.persist) ---------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {"contacts": self.contacts, "next_id": self._next_id, "blocklisted": sorted(self.blocklisted)}

    def restore(self, state: dict[str, Any]) -> None:
        self.contacts = dict(state.get("contacts", {}))
        self.blocklisted = set(state.get("blocklisted", []))
        self._next_id = int(state.get("next_id", self._next_id))

    def by_email(self, email: str) -> dict[str, Any] | None:
        wanted = email.strip().lower()
        return next((c for c in self.contacts.values() if c["properties"].get("email") == wanted), None)

    # -- the API --------------------------------------------------------------------------------

    async def fetch(self, request: Request) -> Response:
        self.calls.append(request)
        scheme, _, token = request.header("authorization").partition(" ")
        if not token:
            return error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        if scheme != "Bearer" or token != self.token:
            return error(401, "INVALID_AUTHENTICATION", "The access token provided is invalid or expired.")
        limited = self._rate_limited()
        if limited is not None:
            return limited
        if self.down:
            return error(503, "SERVICE_UNAVAILABLE", "HubSpot is down (stand-in outage).")
        if self._failures:
            status = self._failures.popleft()
            if status == 429:
                return self._limit_response()
            return error(status, "INTERNAL_ERROR", "An internal error occurred.")
        path = urlsplit(request.path).path
        query = parse_qs(request.query or urlsplit(request.path).query)
        if path == f"{CONTACTS}/gdpr-delete":
            return self._gdpr_delete(request)
        if path == CONTACTS:
            if request.method != "POST":
                return error(405, "VALIDATION_ERROR", f"Method {request.method} is not allowed here.")
            return self._create(request)
        if path.startswith(CONTACTS + "/") and path.count("/") == 5:
            key = unquote(path.rsplit("/", 1)[1])
            contact = self._find(key, query.get("idProperty", ["hs_object_id"])[0])
            if isinstance(contact, Response):
                return contact
            if contact is None:
                return error(404, "OBJECT_NOT_FOUND", "resource not found")
            if request.method == "GET":
                return json_response(self._public(contact))
            if request.method == "PATCH":
                return self._update(request, contact)
            return error(405, "VALIDATION_ERROR", f"Method {request.method} is not allowed here.")
        return error(404, "OBJECT_NOT_FOUND", f"No route for {path}.")

    def _rate_limited(self) -> Response | None:
        now = self._now()
        while self._recent and now - self._recent[0] >= WINDOW_SECONDS:
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            return self._limit_response()
        self._recent.append(now)
        return None

    def _limit_response(self) -> Response:
        remaining = max(0, self.rate_limit - len(self._recent))
        headers = [
            ("x-hubspot-ratelimit-interval-milliseconds", str(int(WINDOW_SECONDS * 1000))),
            ("x-hubspot-ratelimit-max", str(self.rate_limit)),
            ("x-hubspot-ratelimit-remaining", str(remaining)),
        ]
        body = error(429, "RATE_LIMITS", "You have reached your ten_secondly_rolling limit.", headers)
        data = json.loads(body.body)
        data["policyName"] = "TEN_SECONDLY_ROLLING"
        return json_response(data, 429, headers)

    def _find(self, key: str, id_property: str) -> dict[str, Any] | Response | None:
        if id_property == "email":
            return self.by_email(key)
        if id_property != "hs_object_id":
            return error(400, "VALIDATION_ERROR", f"idProperty {id_property} is not a unique property.")
        return self.contacts.get(key)

    def _properties(self, request: Request) -> dict[str, str] | Response:
        try:
            body = json.loads(request.body)
        except ValueError:
            return error(400, "VALIDATION_ERROR", "Invalid input JSON: the body is not JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            return error(400, "VALIDATION_ERROR", "Invalid input JSON: `properties` must be an object.")
        unknown = sorted(set(body) - {"properties", "associations"})
        if unknown:
            return error(400, "VALIDATION_ERROR", f"Invalid input JSON: unrecognized field `{unknown[0]}`.")
        problems = []
        for name, value in body["properties"].items():
            if name not in self.properties or name in READ_ONLY:
                kind = "PROPERTY_DOESNT_EXIST" if name not in READ_ONLY else "READ_ONLY_VALUE"
                problems.append({"isValid": False, "message": f'Property "{name}" does not exist', "error": kind})
            elif not isinstance(value, str | int | float | bool) and value is not None:
                problems.append({"isValid": False, "message": f'"{name}" must be a value', "error": "INVALID_VALUE"})
            elif name == "lifecyclestage" and value not in ("", *LIFECYCLE_STAGES):
                message = f"{value} was not one of the allowed options"
                problems.append({"isValid": False, "message": message, "error": "INVALID_OPTION"})
            else:
                continue
            problems[-1]["name"] = name
        if problems:
            return error(400, "VALIDATION_ERROR", f"Property values were not valid: {json.dumps(problems)}")
        given = body["properties"].items()
        return {name: str(value).lower() if name == "email" else str(value) for name, value in given}

    def _create(self, request: Request) -> Response:
        properties = self._properties(request)
        if isinstance(properties, Response):
            return properties
        email = properties.get("email", "")
        if email in self.blocklisted:
            return error(400, "VALIDATION_ERROR", f"{email} was permanently deleted (GDPR) and cannot be used.")
        existing = self.by_email(email) if email else None
        if existing is not None:
            return error(409, "CONFLICT", f"Contact already exists. Existing ID: {existing['id']}")
        contact_id, now = str(self._next_id), _iso(self._now())
        self._next_id += 1
        properties = {**properties, "hs_object_id": contact_id, "createdate": now, "lastmodifieddate": now}
        self.contacts[contact_id] = {"id": contact_id, "properties": properties, "createdAt": now, "updatedAt": now}
        return json_response(self._public(self.contacts[contact_id]), 201)

    def _update(self, request: Request, contact: dict[str, Any]) -> Response:
        properties = self._properties(request)
        if isinstance(properties, Response):
            return properties
        email = properties.get("email")
        if email and email != contact["properties"].get("email"):
            other = self.by_email(email)
            if other is not None:
                return error(409, "CONFLICT", f"Contact already exists. Existing ID: {other['id']}")
        now = _iso(self._now())
        contact["properties"] = {**contact["properties"], **properties, "lastmodifieddate": now}
        contact["updatedAt"] = now
        return json_response(self._public(contact))

    def _gdpr_delete(self, request: Request) -> Response:
        """HubSpot's permanent (GDPR) delete: 204. An address with no contact is blocklisted instead
        (HubSpot then refuses to create it)."""
        if request.method != "POST":
            return error(405, "VALIDATION_ERROR", f"Method {request.method} is not allowed here.")
        try:
            body = json.loads(request.body)
        except ValueError:
            return error(400, "VALIDATION_ERROR", "Invalid input JSON: the body is not JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("objectId"), str):
            return error(400, "VALIDATION_ERROR", "Invalid input JSON: `objectId` is required.")
        id_property = body.get("idProperty", "hs_object_id")
        contact = self._find(body["objectId"], id_property)
        if isinstance(contact, Response):
            return contact
        if contact is not None:
            del self.contacts[contact["id"]]
        elif id_property == "email":
            self.blocklisted.add(body["objectId"].strip().lower())
        else:
            return error(404, "OBJECT_NOT_FOUND", "resource not found")
        return Response(204)

    @staticmethod
    def _public(contact: dict[str, Any]) -> dict[str, Any]:
        return {**contact, "archived": False}


class Served:
    """The stand-in over HTTP: `/crm/v3/…` is the API; `/_standin/*` are the test's levers."""

    def __init__(self, standin: HubSpotStandin) -> None:
        self.standin = standin

    async def handle(self, request: Request) -> Response:
        if request.path == "/_standin/faults" and request.method == "POST":
            self.standin.down = bool(json.loads(request.body or b"{}").get("down"))
            return json_response({"down": self.standin.down})
        if request.path == "/_standin/contacts":
            return json_response({"contacts": list(self.standin.contacts.values())})
        return await self.standin.fetch(request)

    def state(self) -> dict[str, Any]:
        return self.standin.state()

    def restore(self, state: dict[str, Any]) -> None:
        self.standin.restore(state)


def main(argv: list[str] | None = None) -> None:
    import argparse
    from pathlib import Path

    import uvicorn

    from devstack.asgi import asgi
    from devstack.persist import Persisted

    parser = argparse.ArgumentParser(description="The HubSpot CRM stand-in over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--state", help="a JSON file that keeps the contacts across restarts")
    args = parser.parse_args(argv)
    served = Served(HubSpotStandin())
    app: Any = Persisted(served, Path(args.state)) if args.state else served
    print(f"hubspot stand-in ready http://{args.host}:{args.port}", flush=True)
    uvicorn.run(asgi(app), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
