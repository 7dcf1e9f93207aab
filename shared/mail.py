"""Mailer's internal contract: what core, customer and billing send to ask for one email.

    POST /internal/send  {"template", "to", "data", "idempotency_key"}

The idempotency key names the business event (`verify-email/<token id>`, `stripe/<event id>`), so
however often the event is handled the recipient gets the mail once."""

from __future__ import annotations

import json
from typing import Any

from shared.http import Request

SEND_PATH = "/internal/send"


def send_request(template: str, to: str, data: dict[str, Any], idempotency_key: str, request_id: str = "") -> Request:
    body = {"template": template, "to": to, "data": data, "idempotency_key": idempotency_key}
    headers = {"content-type": "application/json", **({"x-request-id": request_id} if request_id else {})}
    return Request("POST", SEND_PATH, headers=headers, body=json.dumps(body).encode())
