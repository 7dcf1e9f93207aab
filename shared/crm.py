"""Mailer's CRM contract: what core and billing send so the marketing site's CRM (HubSpot) learns
who signed up and who pays. Mailer owns the HubSpot client and its queue (docs/billing.md, "CRM
sync"); callers only say what happened:

    POST /internal/crm  {"event": "signed_up", "email", "attribution": {…}}   (core, at sign-up)
    POST /internal/crm  {"event": "paid", "email"}                            (billing, first payment)

Both are idempotent at HubSpot (an upsert by email), so a retry may repeat them freely. Mailer
itself queues a third, `deleted` (with `at`, when), when an account is deleted (`/internal/forget`):
the contact is deleted at HubSpot for good (GDPR delete)."""

from __future__ import annotations

import json
from typing import Any

from shared.attribution import Attribution
from shared.http import Request
from shared.schema import Choice, Email, Field, Int, check_fields

CRM_PATH = "/internal/crm"
EVENTS = ("signed_up", "paid", "deleted")
SYNC: dict[str, Field] = {
    "event": Choice(EVENTS, required=True),
    "email": Email(),
    "attribution": Attribution(),
    "at": Int(),  # when it happened, epoch seconds (queued jobs): an upsert from before a deletion is dropped
}


def sync_request(event: str, email: str, kept: dict[str, str] | None = None, request_id: str = "") -> Request:
    body: dict[str, Any] = {"event": event, "email": email}
    if kept:
        body["attribution"] = kept
    headers = {"content-type": "application/json", **({"x-request-id": request_id} if request_id else {})}
    return Request("POST", CRM_PATH, headers=headers, body=json.dumps(body).encode())


def parse(body: dict[str, Any]) -> tuple[str, str, dict[str, str], int | None]:
    """(event, email, attribution, at) from a request or queue body, checked (400 naming the field)."""
    data = check_fields(SYNC, body)
    return data["event"], data["email"], data["attribution"] or {}, data["at"]
