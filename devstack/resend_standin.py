"""A stand-in for Resend's `POST /emails`, in process: it implements the HttpClient port, so the
mailer talks to it exactly as it talks to `https://api.resend.com` through fetch.

It behaves as Resend documents: 403 (`error code: 1010`, from Resend's edge) without a User-Agent,
401 `missing_api_key` / 403 `invalid_api_key`, bodies checked against `SendEmailRequest` in
Resend's OpenAPI document (422 `missing_required_field` / `validation_error`), and idempotency keys
of 1-256 characters kept 24 h: the same key and body replay the first answer, the same key with
another body is 409 `invalid_idempotent_request`. Stricter than Resend in one way: unknown top-level
fields are refused, so a misspelt field fails a test instead of being dropped silently.

Tests make it misbehave with `fail_next(n, status)`: 429 (with retry-after), 5xx, 422…, or
`down = True` (every call 503 until it is back). Served over HTTP (`python -m devstack.resend_standin`)
the mailer reaches it at RESEND_API_BASE; `POST /_standin/faults {"down": bool}` switches the
outage and `GET /_standin/emails` lists what was accepted."""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml  # type: ignore[import-untyped]  # no stubs for the dev-only YAML reader

from devstack import ROOT
from devstack.idempotency import Kept
from shared.http import Request, Response, json_response
from shared.ports import Clock

EMAILS_URL = "https://api.resend.com/emails"
IDEMPOTENCY_SECONDS = 24 * 3600
_CONTRACT = Path("contracts") / "resend" / "openapi.yaml"


def contract_path() -> Path:
    """Resend's OpenAPI document: $RESEND_OPENAPI, else the copy in the repo's contracts/."""
    candidates: list[str | Path] = [os.environ.get("RESEND_OPENAPI", ""), ROOT / _CONTRACT]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError(f"Resend's OpenAPI document is not at {ROOT / _CONTRACT}; set RESEND_OPENAPI")


def error(status: int, name: str, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    """Resend's error shape."""
    return json_response({"statusCode": status, "name": name, "message": message}, status, headers)


# --- a small JSON Schema checker: the subset Resend's SendEmailRequest uses ---------------------


class SchemaError(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "object": (dict,),
    "array": (list,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


@dataclass
class Schema:
    document: dict[str, Any]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in str(schema["$ref"]).removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def check(self, value: Any, schema: dict[str, Any], where: str) -> None:
        schema = self.resolve(schema)
        for part in schema.get("allOf", []):
            self.check(value, part, where)
        if "oneOf" in schema:
            passing = 0
            for option in schema["oneOf"]:
                try:
                    self.check(value, option, where)
                except SchemaError:
                    continue
                passing += 1
            if passing != 1:
                raise SchemaError("validation_error", f"Invalid `{where}` field.")
        kind = schema.get("type")
        if kind is not None:
            ok = isinstance(value, _TYPES[kind]) and not (kind in ("integer", "number") and isinstance(value, bool))
            if not ok:
                raise SchemaError("validation_error", f"Invalid `{where}` field: expected {kind}.")
        if "const" in schema and value != schema["const"]:
            raise SchemaError("validation_error", f"Invalid `{where}` field.")
        if "enum" in schema and value not in schema["enum"]:
            raise SchemaError("validation_error", f"Invalid `{where}` field.")
        if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
            raise SchemaError("validation_error", f"`{where}` is too long.")
        if isinstance(value, list):
            if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
                raise SchemaError("validation_error", f"Invalid number of items in `{where}`.")
            for i, item in enumerate(value):
                self.check(item, schema.get("items", {}), f"{where}[{i}]")
        if isinstance(value, dict):
            missing = [k for k in schema.get("required", []) if k not in value]
            if missing:
                fields = ", ".join(f"`{k}`" for k in missing)
                raise SchemaError("missing_required_field", f"Missing {fields} field in `{where}`.")
            properties = schema.get("properties", {})
            for key, item in value.items():
                if key in properties:
                    self.check(item, properties[key], f"{where}.{key}" if where != "body" else key)


@functools.cache
def _load(path: Path) -> Any:
    # libyaml's C loader when PyYAML has it: the document is 7,000 lines.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(), Loader=loader)  # noqa: S506 (a safe loader)


def load_send_schema(path: Path | None = None) -> tuple[Schema, dict[str, Any]]:
    document = _load(path or contract_path())
    return Schema(document), document["components"]["schemas"]["SendEmailRequest"]


# --- the stand-in --------------------------------------------------------------------------------


@dataclass
class ResendStandin:
    """`calls`: every request that reached it; `emails`: each accepted message once, as sent."""

    api_key: str = "re_standin_0123456789abcdef"
    clock: Clock | None = None
    contract: Path | None = None
    calls: list[Request] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)
    _failures: deque[Response] = field(default_factory=deque)
    down: bool = False
    _kept: dict[str, Kept] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._schema, self._send_schema = load_send_schema(self.contract)

    def fail_next(
        self, count: int, status: int, *, retry_after: float | None = None, name: str = "", message: str = ""
    ) -> None:
        """The next `count` well-authenticated calls answer `status` instead of sending."""
        defaults = {
            429: ("rate_limit_exceeded", "Too many requests. Please limit the number of requests per second."),
            422: ("validation_error", "The `to` field has an invalid email address."),
        }
        default_name, default_message = defaults.get(status, ("internal_server_error", "An unexpected error."))
        headers = []
        if retry_after is not None:
            headers = [("retry-after", f"{retry_after:g}"), ("ratelimit-reset", f"{retry_after:g}")]
        for _ in range(count):
            self._failures.append(error(status, name or default_name, message or default_message, headers))

    def _now(self) -> float:
        return self.clock.now() if self.clock is not None else 0.0

    async def fetch(self, request: Request) -> Response:
        self.calls.append(request)
        if urlsplit(request.path).path != "/emails":
            return error(404, "not_found", "The requested endpoint does not exist.")
        if request.method != "POST":
            return error(405, "method_not_allowed", "Method is not allowed for the requested path.")
        if not request.header("user-agent"):
            # Resend's edge refuses it before the API sees it: not even Resend's error shape.
            return Response(403, [("content-type", "text/plain")], b"error code: 1010")
        scheme, _, key = request.header("authorization").partition(" ")
        if not key:
            return error(401, "missing_api_key", "Missing API key in the authorization header.")
        if scheme != "Bearer" or key != self.api_key:
            return error(403, "invalid_api_key", "API key is invalid.")
        if self.down:
            return error(503, "internal_server_error", "Resend is down (stand-in outage).")
        if self._failures:
            return self._failures.popleft()
        idempotency_key = request.headers.get("idempotency-key")
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 256:
            return error(400, "invalid_idempotency_key", "The key must be between 1-256 chars.")
        try:
            body = json.loads(request.body)
        except ValueError:
            return error(422, "validation_error", "The body is not valid JSON.")
        problem = self.validate(body)
        if problem is not None:
            return problem
        if idempotency_key is not None:
            return self._idempotent(idempotency_key, body)
        return self._accept(body)

    def validate(self, body: Any) -> Response | None:
        try:
            self._schema.check(body, self._send_schema, "body")
        except SchemaError as exc:
            return error(422, exc.name, str(exc))
        unknown = sorted(set(body) - set(self._send_schema.get("properties", {})))
        if unknown:
            return error(422, "validation_error", f"Unknown field `{unknown[0]}`.")
        return None

    def _idempotent(self, key: str, body: dict[str, Any]) -> Response:
        fingerprint = json.dumps(body, sort_keys=True)
        kept = self._kept.get(key)
        if kept is not None and self._now() - kept.at < IDEMPOTENCY_SECONDS:
            if kept.fingerprint != fingerprint:
                return error(409, "invalid_idempotent_request", "Same idempotency key used with a different payload.")
            return kept.response
        response = self._accept(body)
        self._kept[key] = Kept(fingerprint, response, self._now())
        return response

    def _accept(self, body: dict[str, Any]) -> Response:
        email_id = str(uuid.uuid4())
        self.emails.append({"id": email_id, **body})
        return json_response({"id": email_id})


class Served:
    """The stand-in over HTTP: `/emails` is the API; `/_standin/*` are the test's levers."""

    def __init__(self, standin: ResendStandin) -> None:
        self.standin = standin

    async def handle(self, request: Request) -> Response:
        if request.path == "/_standin/faults" and request.method == "POST":
            self.standin.down = bool(json.loads(request.body or b"{}").get("down"))
            return json_response({"down": self.standin.down})
        if request.path == "/_standin/emails":
            return json_response({"emails": self.standin.emails, "calls": len(self.standin.calls)})
        return await self.standin.fetch(request)


def main(argv: list[str] | None = None) -> None:
    import argparse

    import uvicorn

    from devstack.asgi import asgi

    parser = argparse.ArgumentParser(description="The Resend stand-in over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args(argv)
    print(f"resend stand-in ready http://{args.host}:{args.port}", flush=True)
    uvicorn.run(asgi(Served(ResendStandin())), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
