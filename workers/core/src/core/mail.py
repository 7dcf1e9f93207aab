"""Asking mailer to send: one call per business event, keyed so a retry never sends twice."""

from __future__ import annotations

from typing import Any

from core.gateway import Gateway
from shared import crm, mail
from shared.internal_auth import Identity


async def send(
    gateway: Gateway, template: str, to: str, data: dict[str, Any], idempotency_key: str, request_id: str = ""
) -> bool:
    """True when mailer accepted the message. A mail failure must not undo the action that caused
    it (the user can ask again), so it is reported, not raised."""
    request = mail.send_request(template, to, data, idempotency_key, request_id)
    try:
        response = await gateway.call("mailer", request, Identity(caller="core"))
    except Exception:
        return False
    return response.status < 300


async def signed_up(gateway: Gateway, email: str, kept: dict[str, str], request_id: str = "") -> bool:
    """Tells the CRM (mailer's HubSpot sync) about a new account and where it came from; like a mail,
    a failure never undoes the sign-up."""
    try:
        response = await gateway.call(
            "mailer", crm.sync_request("signed_up", email, kept, request_id), Identity(caller="core")
        )
    except Exception:
        return False
    return response.status < 300
