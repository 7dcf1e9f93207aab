"""Mailer's one public operation (reached through core's gateway); core serves it in
/api/v1/openapi.json (shared/openapi.py)."""

from __future__ import annotations

from shared.openapi import Operation

API: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/api/v1/webhooks/resend",
        "Resend's delivery events, Svix-signed (svix-id, svix-timestamp, svix-signature); forwarded as raw bytes",
        raw_body="application/json",
        response={"type": "object"},
        errors=(400,),
        security=("resend_signature",),
    ),
)
