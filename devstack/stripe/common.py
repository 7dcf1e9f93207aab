"""What every resource of the Stripe stand-in shares: Stripe's example objects (`shape`), its error
shape, ids, form-encoded bodies with bracket syntax, webhook signatures, metadata and list checks."""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import html
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from devstack import ROOT
from shared.http import Response, json_response

API_KEY = "sk_test_local_standin"
WEBHOOK_SECRET = "whsec_local_standin_webhook_secret"  # noqa: S105 (the local stack's, public)
PUBLIC_BASE = "http://127.0.0.1:8789"
API_VERSION = "2025-03-31.basil"
PERIOD_SECONDS = 30 * 24 * 3600
YEAR_SECONDS = 365 * 24 * 3600


def period_of(price: dict[str, Any]) -> int:
    """How long one period of a recurring price lasts (its `recurring.interval`)."""
    recurring = price.get("recurring") or {}
    return YEAR_SECONDS if recurring.get("interval") == "year" else PERIOD_SECONDS


def interval_of(price: dict[str, Any]) -> str:
    return str((price.get("recurring") or {}).get("interval") or "month")


IDEMPOTENCY_SECONDS = 24 * 3600
_FIXTURES = Path("contracts") / "stripe" / "fixtures3.json"
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
HANG = "hang"  # a queued failure: the call never answers
FAULTS = "/_standin/faults"  # POST {"hang": n} / {"fail": n, "status": s} / {"hold": b}: the served stand-in misbehaves
PENDING = "/_standin/pending"  # GET: the events held back while {"hold": true}


def fixtures_path() -> Path:
    """Stripe's fixtures: $STRIPE_FIXTURES, else the repo's contracts/, else /work/shared's."""
    candidates: list[str | Path] = [
        os.environ.get("STRIPE_FIXTURES", ""),
        ROOT / _FIXTURES,
        Path("/work/shared") / _FIXTURES,
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError(f"Stripe's fixtures are not at {ROOT / _FIXTURES}; set STRIPE_FIXTURES")


@functools.cache
def _resources(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["resources"])


def shape(kind: str, **fields: Any) -> dict[str, Any]:
    """A fresh copy of Stripe's example `kind` object with `fields` set."""
    obj: dict[str, Any] = copy.deepcopy(_resources(fixtures_path())[kind])
    obj.update(fields)
    return obj


def unset(*names: str) -> dict[str, None]:
    """Fields an object has and SmartPages never sets: null, as on Stripe."""
    return dict.fromkeys(names)


class StripeFailure(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.response = error(status, type_, message, code, param)


def error(
    status: int,
    type_: str,
    message: str,
    code: str | None = None,
    param: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": type_, "message": message}
    if code:
        body["code"] = code
        body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        body["param"] = param
    return json_response({"error": body}, status, [("request-id", _id("req")), *(headers or [])])


def missing(kind: str, object_id: str, param: str = "id") -> StripeFailure:
    return StripeFailure(404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing", param)


def bad_param(message: str, param: str, code: str = "parameter_invalid") -> StripeFailure:
    return StripeFailure(400, "invalid_request_error", message, code, param)


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


# --- form bodies ---------------------------------------------------------------------------------


def decode_form(text: str) -> dict[str, Any]:
    """`a[b][0][c]=1&e[]=x` -> {"a": {"b": [{"c": "1"}]}, "e": ["x"]}, as Stripe reads it."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head, *re.findall(r"\[([^\[\]]*)\]", "[" + rest)] if rest else [head]
        node: Any = root
        try:
            for i, part in enumerate(parts):
                if i == len(parts) - 1:
                    node[part] = value
                elif parts[i + 1] == "" and i + 1 == len(parts) - 1:
                    node.setdefault(part, []).append(value)
                    break
                else:
                    node = node.setdefault(part, {})
        except (AttributeError, TypeError):
            raise bad_param(f"Invalid array or hash: {key}", head) from None
    return dict(_lists(root))


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {k: _lists(v) for k, v in node.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    return node


def signature_header(secret: str, timestamp: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _metadata(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise bad_param("metadata must be a hash.", "metadata")
    if len(value) > 50:
        raise bad_param("metadata can have at most 50 keys.", "metadata")
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise bad_param("metadata keys are at most 40 characters and values 500.", f"metadata[{key}]")
    return dict(value)


PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")


def _check_proration(params: dict[str, Any], prefix: str) -> None:
    name = f"{prefix}[proration_behavior]" if prefix else "proration_behavior"
    behavior = params.get("proration_behavior")
    if behavior is not None and behavior not in PRORATION_BEHAVIORS:
        raise bad_param(f"Invalid proration_behavior: must be one of {', '.join(PRORATION_BEHAVIORS)}", name)
    when = params.get("proration_date")
    if when is not None and not str(when).isdigit():
        raise bad_param("Invalid integer: proration_date", f"{prefix}[proration_date]" if prefix else "proration_date")


def _list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}


def _redirect(location: str) -> Response:
    return Response(303, [("location", location)], b"")


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body style="font-family:sans-serif;max-width:560px;margin:40px auto"><h1>{html.escape(title)}</h1>'
        f"{body}</body></html>"
    )
