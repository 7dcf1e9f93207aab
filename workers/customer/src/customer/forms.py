"""Lead forms. A form published since issue 27 posts (no JavaScript needed, urlencoded) to its own
site's host, `POST /_smartpages/forms/<block_id>`: domain forwards it here over the CUSTOMER binding
(`/internal/forms/<site_id>/<block_id>`, signed as domain) and every outcome is answered on the
site's own page (customer/formpage.py). A page published before still posts to core's public
`POST /api/v1/forms/<site_id>/<block_id>`, which forwards it here without a session and gets the
small page of `visitor_answer` when refused.

Spam: a honeypot field (`website`, hidden from people) makes us answer as if all went well and keep
nothing; Cloudflare Turnstile (the widget's `cf-turnstile-response`, checked with siteverify) tells
bots from people; durable limits in a sliding hour (D1): PER_ADDRESS per visitor address, and a
much higher PER_SITE ceiling, so no single sender can shut a site's form for everyone. A good lead
is stored first, then the owner is mailed (mailer's `lead_notification`, Reply-To the visitor; a
mail failure keeps the lead), and the visitor is sent back to the page with `#thanks-<block>`,
which the page shows with CSS `:target`. A refused post keeps everything the visitor wrote, and
names each field's problem (the rules of customer/formfields.py)."""

from __future__ import annotations

import ipaddress
from html import escape
from urllib.parse import parse_qs

from customer import formfields, publish
from customer.deps import CustomerDeps
from customer.model import FormAnswer, FormPost
from customer.store import new_id, owner_email, site_by_id
from shared.errors import HttpError
from shared.http import Response, html_response
from shared.schema import Email
from shared.turnstile import MAX_TOKEN_LENGTH

WINDOW_SECONDS = 3600
PER_ADDRESS = 5  # per IPv4 address or IPv6 /64 (one household, phone or server: issue 23, L6)
PER_NETWORK = 30  # per IPv6 /56, so one allocation cannot use up a site's ceiling
PER_SITE = 300
LEAD_MAILS_PER_HOUR = 5  # then one `leads_waiting` note until the hour is over; every lead is kept
TURNSTILE_FIELD = "cf-turnstile-response"
FIELDS = {
    "name": 200,
    "email": 254,
    "phone": 40,
    "message": 5000,
    "page": 200,
    "website": 200,
    TURNSTILE_FIELD: MAX_TOKEN_LENGTH,
}


FIXED_FIELDS = formfields.FIXED
VISITOR_FIELDS = tuple(FIXED_FIELDS)  # what is shown back to a visitor, in order


def _form(post: FormPost) -> tuple[dict[str, str], dict[str, str]]:
    """The posted fields we know (what the visitor typed, kept even when too long), and the words
    for each field that is too long."""
    ctype = post.content_type.split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise HttpError(415, "unsupported_media_type", "Send the form as application/x-www-form-urlencoded.")
    try:
        parsed = parse_qs(post.body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise HttpError(400, "invalid_form", "The form could not be read.") from None
    data: dict[str, str] = {}
    too_long: dict[str, str] = {}
    for name, values in parsed.items():
        if name in FIELDS:
            value = values[0].strip()
            if len(value) > FIELDS[name]:
                if name not in VISITOR_FIELDS:
                    raise HttpError(400, "invalid_field", f"{name}: too long", details={"field": name})
                too_long[name] = f"Please shorten this to {FIELDS[name]} characters."
            data[name] = value
    return data, too_long


def field_problems(data: dict[str, str], too_long: dict[str, str]) -> dict[str, str]:
    """Each visitor field's problem in words (formfields' rules), in the form's order."""
    problems: dict[str, str] = {}
    for name in VISITOR_FIELDS:
        if name in too_long:
            problems[name] = too_long[name]
            continue
        _, problem = formfields.check(FIXED_FIELDS[name], [data.get(name, "")])
        if problem:
            problems[name] = problem
    return problems


async def _allowed(deps: CustomerDeps, bucket: str, limit: int) -> bool:
    now = deps.clock.now()
    rows = await deps.db.all(
        "INSERT INTO form_attempts (bucket, at) SELECT ?, ?"
        " WHERE (SELECT count(*) FROM form_attempts WHERE bucket = ? AND at > ?) < ? RETURNING id",
        (bucket, now, bucket, now - WINDOW_SECONDS, limit),
    )
    return bool(rows)


async def _has_form(deps: CustomerDeps, site_id: str, block_id: str) -> bool:
    rows = await deps.db.all(
        "SELECT 1 FROM pages p, json_each(p.blocks) b WHERE p.site_id = ?"
        " AND json_extract(b.value, '$.id') = ? AND json_extract(b.value, '$.type') = 'lead_form' LIMIT 1",
        (site_id, block_id),
    )
    return bool(rows)


def visitor_buckets(address: str) -> list[tuple[str, int]]:
    """The limits a visitor's address counts against: the IPv4 address, or the IPv6 /64 (a host has
    all of it) and /56 (a customer's allocation)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return [(f"address:{address}", PER_ADDRESS)]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        net64 = ipaddress.ip_network(f"{ip}/64", strict=False)
        net56 = ipaddress.ip_network(f"{ip}/56", strict=False)
        return [(f"address:{net64}", PER_ADDRESS), (f"network:{net56}", PER_NETWORK)]
    plain = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip
    return [(f"address:{plain}", PER_ADDRESS)]


def visitor_answer(answer: FormAnswer) -> Response:
    """A 303 back to the page, or the HTML a visitor sees when their post is refused: what
    happened, and what they wrote."""
    if not answer.refused:
        return Response(303, [("location", answer.back)])
    status, problem, back = answer.status, answer.problem, answer.back
    if answer.errors:
        labels = {name: str(FIXED_FIELDS[name]["label"]) for name in FIXED_FIELDS}
        items = "".join(f"<li>{escape(labels.get(n, n))}: {escape(w)}</li>" for n, w in answer.errors.items())
        problem = f"{escape(problem)} Please go back and change it.</p><ul>{items}</ul><p>"
    else:
        problem = escape(problem)
    kept = answer.data.get("message", "")
    message = (
        "<p>Here is what you wrote, so you can copy it:</p>"
        f'<textarea readonly rows="8" cols="60">{escape(kept)}</textarea>'
        if kept
        else ""
    )
    return html_response(
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Your message was not sent</title>"
        f"<h1>Your message was not sent</h1><p>{problem}</p>{message}"
        f'<p><a href="{escape(back)}">Back to the page</a></p></html>',
        status,
        [("retry-after", str(WINDOW_SECONDS))] if status == 429 else [],
    )


async def submit(deps: CustomerDeps, site_id: str, block_id: str, post: FormPost) -> FormAnswer:
    site = await site_by_id(deps.db, site_id)
    # The form's block is looked up in the database, not by loading every page into the worker: an
    # unauthenticated post must cost little however big the site is (issue 23, L10).
    found = site is not None and site.live_version is not None and await _has_form(deps, site.id, block_id)
    if site is None or not found:
        raise HttpError(404, "form_not_found", "This form does not exist (any more).")
    canonical = (await publish.hosts_of(deps, site)).canonical
    try:
        data, too_long = _form(post)
    except HttpError as exc:
        return FormAnswer(deps.settings.origin(canonical), exc.status, f"The form could not be sent: {exc.message}")
    slugs = await deps.db.all("SELECT slug FROM pages WHERE site_id = ?", (site.id,))
    pages = {f"/{r['slug']}/" if r["slug"] else "/" for r in slugs}
    page = data.get("page", "/") if data.get("page", "/") in pages else "/"
    back = f"{deps.settings.origin(canonical)}{page}#thanks-{block_id}"
    if data.get("website"):  # the honeypot: only bots fill it
        return FormAnswer(back, page=page)
    address = post.address or "unknown"
    form_page = f"{deps.settings.origin(canonical)}{page}#form-{block_id}"
    if not await deps.turnstile.passed(data.get(TURNSTILE_FIELD, ""), address):
        words = "We could not tell that you are a person. Please try again."
        return FormAnswer(form_page, 400, words, data, page=page)
    for bucket, limit in [*visitor_buckets(address), (f"site:{site.id}", PER_SITE)]:
        if not await _allowed(deps, bucket, limit):
            words = "Too many messages were sent just now. Please try again later."
            return FormAnswer(form_page, 429, words, data, page=page)
    problems = field_problems(data, too_long)
    if problems:
        words = "Your message was not sent yet. Please check the marked fields."
        return FormAnswer(form_page, 400, words, data, problems, page)
    name, message, lead_email = data["name"], data["message"], Email().check(data["email"], "email")
    lead_id = new_id(deps.crypto, "l")
    await deps.db.run(
        "INSERT INTO leads (id, site_id, block_id, page, name, email, phone, message, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (lead_id, site.id, block_id, page, name, lead_email, data.get("phone", ""), message, deps.clock.now()),
    )
    owner = await owner_email(deps.db, site)
    recent = await deps.db.all(
        "SELECT count(*) AS n FROM leads WHERE site_id = ? AND created_at > ?",
        (site.id, deps.clock.now() - WINDOW_SECONDS),
    )
    burst = int(recent[0]["n"])  # this lead included
    if not owner or burst > LEAD_MAILS_PER_HOUR + 1:
        return FormAnswer(back, page=page)  # kept in the inbox; the owner was told more are waiting
    if burst == LEAD_MAILS_PER_HOUR + 1:
        waiting = {"site_name": site.name, "link": f"{deps.settings.portal_origin}/sites/{site.id}/leads"}
        await deps.mail.notify("leads_waiting", owner, waiting, f"leads-waiting-{lead_id}")
        return FormAnswer(back, page=page)
    if await notify(
        deps, post.request_id, owner, site.name, site.id, lead_id, name, lead_email, data.get("phone", ""), message
    ):
        await deps.db.run("UPDATE leads SET mailed = 1 WHERE id = ?", (lead_id,))
    return FormAnswer(back, page=page)


async def notify(
    deps: CustomerDeps,
    request_id: str,
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
    return await deps.mail.notify("lead_notification", to, data, f"lead-{lead_id}")
