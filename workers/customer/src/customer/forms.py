"""Lead forms: a published page's form posts (no JavaScript, urlencoded) to core's public
`POST /api/v1/forms/<site_id>/<block_id>`, which forwards it here without a session.

Spam: a honeypot field (`website`, hidden from people) makes us answer as if all went well and keep
nothing; a durable rate limit per site and per client address (D1, sliding hour). A good lead is
stored, the owner is mailed (mailer's `lead_notification`, Reply-To the visitor), and the visitor
is sent back to the page with `#thanks-<block>`, which the page shows with CSS `:target`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from customer import publish
from customer.deps import CustomerDeps
from customer.store import new_id, owner_email, pages_of, site_by_id
from shared import internal_auth, mail
from shared.errors import HttpError
from shared.http import Request, Response
from shared.validation import email as check_email

WINDOW_SECONDS = 3600
PER_SITE = 50
PER_ADDRESS = 10
FIELDS = {"name": 100, "email": 254, "phone": 40, "message": 5000, "page": 200, "website": 200}


def _form(request: Request) -> dict[str, str]:
    ctype = request.header("content-type").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise HttpError(415, "unsupported_media_type", "Send the form as application/x-www-form-urlencoded.")
    try:
        parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise HttpError(400, "invalid_form", "The form could not be read.") from None
    data: dict[str, str] = {}
    for name, values in parsed.items():
        if name in FIELDS:
            value = values[0].strip()
            if len(value) > FIELDS[name]:
                raise HttpError(400, "invalid_field", f"{name}: too long", details={"field": name})
            data[name] = value
    return data


async def _allowed(deps: CustomerDeps, bucket: str, limit: int) -> bool:
    now = deps.clock.now()
    rows = await deps.db.all(
        "INSERT INTO form_attempts (bucket, at) SELECT ?, ?"
        " WHERE (SELECT count(*) FROM form_attempts WHERE bucket = ? AND at > ?) < ? RETURNING id",
        (bucket, now, bucket, now - WINDOW_SECONDS, limit),
    )
    return bool(rows)


async def submit(deps: CustomerDeps, request: Request, site_id: str, block_id: str) -> Response:
    site = await site_by_id(deps.db, site_id)
    block: dict[str, Any] | None = None
    if site is not None and site.live_version is not None:
        for draft in await pages_of(deps.db, site.id):
            block = next((b for b in draft.blocks if b.get("id") == block_id and b["type"] == "lead_form"), block)
    if site is None or block is None:
        raise HttpError(404, "form_not_found", "This form does not exist (any more).")
    data = _form(request)
    canonical, _, _ = await publish.hosts_of(deps, site)
    pages = {p.path for p in await pages_of(deps.db, site.id)}
    page = data.get("page", "/") if data.get("page", "/") in pages else "/"
    back = f"{deps.settings.origin(canonical)}{page}#thanks-{block_id}"
    if data.get("website"):  # the honeypot: only bots fill it
        return Response(303, [("location", back)])
    address = request.header("cf-connecting-ip") or "unknown"
    if not await _allowed(deps, f"address:{address}", PER_ADDRESS) or not await _allowed(
        deps, f"site:{site.id}", PER_SITE
    ):
        raise HttpError(
            429, "too_many_submissions", "Too many messages just now; try again later.", [("retry-after", "3600")]
        )
    name, message = data.get("name", ""), data.get("message", "")
    if not name or not message:
        raise HttpError(
            400, "invalid_field", "name and message are required.", details={"field": "name" if not name else "message"}
        )
    lead_email = check_email({"email": data.get("email", "")})
    lead_id = new_id(deps.crypto, "l")
    await deps.db.run(
        "INSERT INTO leads (id, site_id, block_id, page, name, email, phone, message, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (lead_id, site.id, block_id, page, name, lead_email, data.get("phone", ""), message, deps.clock.now()),
    )
    owner = await owner_email(deps.db, site)
    if owner and await notify(
        deps, request, owner, site.name, site.id, lead_id, name, lead_email, data.get("phone", ""), message
    ):
        await deps.db.run("UPDATE leads SET mailed = 1 WHERE id = ?", (lead_id,))
    return Response(303, [("location", back)])


async def notify(
    deps: CustomerDeps,
    request: Request,
    to: str,
    site_name: str,
    site_id: str,
    lead_id: str,
    name: str,
    lead_email: str,
    phone: str,
    message: str,
) -> bool:
    """Asks mailer to tell the owner; a mail failure keeps the lead (the portal lists it)."""
    data = {
        "site_name": site_name,
        "lead_name": name,
        "lead_email": lead_email,
        "message": message,
        "link": f"{deps.settings.portal_origin}/sites/{site_id}/leads",
        **({"lead_phone": phone} if phone else {}),
    }
    ask = mail.send_request("lead_notification", to, data, f"lead-{lead_id}", request.header("x-request-id"))
    signed = await internal_auth.signed(
        deps.crypto, deps.clock, deps.internal_secret, ask, internal_auth.Identity(caller="customer")
    )
    try:
        reply = await deps.mailer.fetch(signed)
    except Exception:
        return False
    return reply.status < 300
