"""Asking mailer to send: one call per business event, keyed so a retry never sends twice."""

from __future__ import annotations

import json
from typing import Any

from core.gateway import Gateway
from shared.http import Request
from shared.internal_auth import Identity


async def send(
    gateway: Gateway, template: str, to: str, data: dict[str, Any], idempotency_key: str, request_id: str = ""
) -> bool:
    """True when mailer accepted the message. A mail failure must not undo the action that caused
    it (the user can ask again), so it is reported, not raised."""
    body = json.dumps({"template": template, "to": to, "data": data, "idempotency_key": idempotency_key}).encode()
    request = Request(
        "POST", "/internal/send", headers={"content-type": "application/json", "x-request-id": request_id}, body=body
    )
    try:
        response = await gateway.call("mailer", request, Identity(caller="core"))
    except Exception:
        return False
    return response.status < 300
