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
import json
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qs

from customer import formfields, publish
from customer.deps import CustomerDeps
from customer.model import FormAnswer, FormPost, Site
from customer.store import new_id, owner_email, site_by_id
from shared.errors import HttpError
from shared.http import Response, html_response
from shared.mail import MailUnavailable
from shared.schema import Email
from shared.turnstile import MAX_TOKEN_LENGTH

WINDOW_SECONDS = 3600
PER_ADDRESS = 5  # per IPv4 address or IPv6 /64 (one household, phone or server: issue 23, L6)
PER_NETWORK = 30  # per IPv6 /56, so one allocation cannot use up a site's ceiling
PER_SITE = 300
LEAD_MAILS_PER_HOUR = 5  # then one `leads_waiting` note until the hour is over; every lead is kept
AUTO_REPLY_SECONDS = 86400  # one automatic reply a day at most to the same address, per site
TURNSTILE_FIELD = "cf-turnstile-response"
FORM_FIELDS = {"page": 200, "website": 200, TURNSTILE_FIELD: MAX_TOKEN_LENGTH}  # the form's own
MAX_VALUE = 5000  # characters of one answer kept (the longest rule, a long text)
MAX_PAIRS = 200  # name=value pairs read from one post (20 questions, some of them checkboxes)

FIXED_FIELDS = formfields.FIXED
VISITOR_FIELDS = tuple(FIXED_FIELDS)  # the fixed form's questions, in order


@dataclass(frozen=True)
class Form:
    """A published lead form: its page and its questions by posted name, in order (`shaped`: the
    owner's own, else the fixed name, email, phone, message)."""

    page: str | None  # None: a version published before forms were kept (the posted page is used)
    questions: tuple[tuple[str, dict[str, Any]], ...]
    shaped: bool = False
    auto_reply: str = ""  # the owner's automatic reply to the visitor ("": none)
    owner_mail: str = "each"  # "daily": the owner is mailed once a day (send_digests), not per lead

    @classmethod
    def of(cls, page: str | None, fields: list[dict[str, Any]], kept: dict[str, Any] | None = None) -> Form:
        kept = kept or {}
        reply, mail = str(kept.get("auto_reply") or ""), str(kept.get("owner_mail") or "each")
        if not fields:
            return cls(page, tuple(FIXED_FIELDS.items()), False, reply, mail)
        return cls(page, tuple(zip(formfields.names(fields), fields, strict=True)), True, reply, mail)


def _form(post: FormPost, form: Form) -> tuple[dict[str, str], dict[str, str]]:
    """The posted fields we know, as typed (a checkbox group's ticks one a line; kept even when too
    long), and the words for each answer that is too long."""
    ctype = post.content_type.split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise HttpError(415, "unsupported_media_type", "Send the form as application/x-www-form-urlencoded.")
    try:
        parsed = parse_qs(post.body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_PAIRS)
    except (UnicodeDecodeError, ValueError):
        raise HttpError(400, "invalid_form", "The form could not be read.") from None
    data: dict[str, str] = {}
    too_long: dict[str, str] = {}
    for name, limit in FORM_FIELDS.items():
        if name in parsed:
            data[name] = parsed[name][0].strip()
            if len(data[name]) > limit:
                raise HttpError(400, "invalid_field", f"{name}: too long", details={"field": name})
    for name, field in form.questions:
        values = [v.strip() for v in parsed.get(name, [])]
        limit = formfields.RULES[field["kind"]].max_length
        if any(len(v) > MAX_VALUE for v in values):
            too_long[name] = f"Please shorten this to {limit} characters."
        data[name] = "\n".join(values) if field["kind"] == "checkboxes" else (values[0] if values else "")
    return data, too_long


def checked(form: Form, data: dict[str, str], too_long: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(answers, problems) by posted name, in the form's order: formfields' rules."""
    answers: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name, field in form.questions:
        if name in too_long:
            problems[name] = too_long[name]
            continue
        value = data.get(name, "")
        values = value.split("\n") if field["kind"] == "checkboxes" and value else [value]
        answer, problem = formfields.check(field, values)
        if problem:
            problems[name] = problem
        else:
            answers[name] = answer
    return answers, problems


async def _allowed(deps: CustomerDeps, bucket: str, limit: int) -> bool:
    now = deps.clock.now()
    rows = await deps.db.all(
        "INSERT INTO form_attempts (bucket, at) SELECT ?, ?"
        " WHERE (SELECT count(*) FROM form_attempts WHERE bucket = ? AND at > ?) < ? RETURNING id",
        (bucket, now, bucket, now - WINDOW_SECONDS, limit),
    )
    return bool(rows)


async def _has_form(deps: CustomerDeps, site: Site, block_id: str) -> bool:
    site_id = site.id
    rows = await deps.site_db(site).all(
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


async def published_form(deps: CustomerDeps, site: Site, block_id: str) -> Form | None:
    """The form `block_id` as the live version published it; for a version published before
    versions kept their forms, the draft's block (the fixed form)."""
    if site.live_version is None:
        return None
    rows = await deps.site_db(site).all(
        "SELECT forms FROM versions WHERE site_id = ? AND number = ?", (site.id, site.live_version)
    )
    kept = rows[0]["forms"] if rows else None
    if kept is None:
        return Form.of(None, []) if await _has_form(deps, site, block_id) else None
    found = json.loads(kept).get(block_id)
    if not isinstance(found, dict):
        return None
    return Form.of(str(found["page"]), list(found["fields"]), found)


def _lead(form: Form, answers: dict[str, str]) -> tuple[str, str, str, str, list[list[str]]]:
    """(name, email, phone, message, answers) of a taken post: the fixed form's own, or picked from
    the owner's questions (the first short text, email and phone; every answer as the message)."""
    if not form.shaped:
        email = Email().check(answers["email"], "email")
        return answers["name"], email, answers.get("phone", ""), answers["message"], []
    pairs = [[str(f["label"]), answers.get(n, "")] for n, f in form.questions]
    first = {f["kind"]: answers.get(n, "") for n, f in reversed(form.questions) if answers.get(n)}
    message = "\n".join(f"{label}: {answer}" for label, answer in pairs if answer)
    return first.get("short", ""), first.get("email", ""), first.get("phone", ""), message, pairs


async def submit(deps: CustomerDeps, site_id: str, block_id: str, post: FormPost) -> FormAnswer:
    site = await site_by_id(deps.db, site_id)
    # The form is looked up in the database (the live version's forms, one row), never by loading
    # every page into the worker: an unauthenticated post must cost little however big the site is
    # (issue 23, L10).
    form = await published_form(deps, site, block_id) if site is not None else None
    if site is None or form is None:
        raise HttpError(404, "form_not_found", "This form does not exist (any more).")
    canonical = (await publish.hosts_of(deps, site)).canonical
    try:
        data, too_long = _form(post, form)
    except HttpError as exc:
        words = f"The form could not be sent: {exc.message}"
        return FormAnswer(deps.settings.origin(canonical), exc.status, words, page=form.page or "/")
    if form.page is not None:
        page = form.page
    else:
        slugs = await deps.site_db(site).all("SELECT slug FROM pages WHERE site_id = ?", (site.id,))
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
    answers, problems = checked(form, data, too_long)
    if problems:
        words = "Your message was not sent yet. Please check the marked fields."
        return FormAnswer(form_page, 400, words, data, problems, page)
    name, lead_email, phone, message, pairs = _lead(form, answers)
    lead_id = new_id(deps.crypto, "l")
    daily = form.owner_mail == "daily"
    await deps.site_db(site).run(
        "INSERT INTO leads (id, site_id, block_id, page, name, email, phone, message, answers, digest, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            lead_id,
            site.id,
            block_id,
            page,
            name,
            lead_email,
            phone,
            message,
            json.dumps(pairs),
            int(daily),
            deps.clock.now(),
        ),
    )
    if daily:  # the digest walk finds the site by its oldest waiting enquiry (send_digests)
        await deps.db.run(
            "UPDATE sites SET digest_due_at = coalesce(digest_due_at, ?) WHERE id = ?", (deps.clock.now(), site.id)
        )
    owner = await owner_email(deps.db, site)
    recent = await deps.site_db(site).all(
        "SELECT count(*) AS n FROM leads WHERE site_id = ? AND created_at > ?",
        (site.id, deps.clock.now() - WINDOW_SECONDS),
    )
    burst = int(recent[0]["n"])  # this lead included
    # Per lead (the owner's choice, unless she asked for the daily digest): the hour's first five,
    # then one `leads_waiting` note, then nothing until the hour is over; every lead is kept.
    if owner and not daily and burst == LEAD_MAILS_PER_HOUR + 1:
        waiting = {"site_name": site.name, "link": f"{deps.settings.portal_origin}/sites/{site.id}/leads"}
        await deps.mail.notify("leads_waiting", owner, waiting, f"leads-waiting-{lead_id}")
    elif owner and not daily and burst <= LEAD_MAILS_PER_HOUR:
        who = name or lead_email
        if await notify(deps, post.request_id, owner, site.name, site.id, lead_id, who, lead_email, phone, message):
            await deps.site_db(site).run("UPDATE leads SET mailed = 1 WHERE id = ?", (lead_id,))
    if burst <= LEAD_MAILS_PER_HOUR:  # never to a flood (auto_reply)
        await auto_reply(deps, site, form, lead_id, lead_email, f"{deps.settings.origin(canonical)}/")
    return FormAnswer(back, page=page)


async def auto_reply(deps: CustomerDeps, site: Site, form: Form, lead_id: str, to: str, link: str) -> bool:
    """The owner's automatic reply to the visitor, when she wrote one. Someone else's address can be
    typed into a form, so it is sent only while the site's enquiries are not a flood (this lead is
    among the hour's first LEAD_MAILS_PER_HOUR, the ones the owner is mailed one by one), to an
    address this site has not answered in the last AUTO_REPLY_SECONDS, after the person check; mailer
    then budgets it per recipient across every site (`lead_auto_reply` is one of its budgeted kinds)."""
    if not form.auto_reply or not to:
        return False
    earlier = await deps.site_db(site).all(
        "SELECT count(*) AS n FROM leads WHERE site_id = ? AND email = ? AND created_at > ? AND id != ?",
        (site.id, to, deps.clock.now() - AUTO_REPLY_SECONDS, lead_id),
    )
    if int(earlier[0]["n"]):
        return False
    data = {"site_name": site.name, "text": form.auto_reply, "link": link}
    return await deps.mail.notify("lead_auto_reply", to, data, f"lead-auto-reply-{lead_id}")


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


DIGEST_SECONDS = 86400  # a site's digest goes when its oldest waiting enquiry is a day old
DIGEST_PAGE = 6  # sites a step, each 3 calls to its store and 1 mail: 24 subrequests, under half of 50
DIGEST_LISTED = 10  # enquiries named in one digest; the rest are counted


async def send_digests(deps: CustomerDeps) -> tuple[dict[str, int], bool]:
    """One step of the daily digests (customer/maintenance.py, every Cron): each site whose oldest
    enquiry waiting for a digest is DIGEST_SECONDS old gets one `leads_digest` mail (so at most one a
    day) naming them, and they count as mailed. Mailer unreachable: tried again at the next Cron (the
    idempotency key, the first enquiry's id, keeps it one mail); refused: logged and not retried."""
    now = deps.clock.now()
    # A site is due when its oldest waiting enquiry is a day old (sites.digest_due_at, set as the
    # first one comes in): walked oldest first on the partial index `sites_digest_due`, DIGEST_PAGE
    # sites a step, never every waiting enquiry at once.
    due = await deps.db.all(
        "SELECT * FROM sites WHERE digest_due_at <= ? ORDER BY digest_due_at, id LIMIT ?",
        (now - DIGEST_SECONDS, DIGEST_PAGE),
    )
    sent = 0
    for row in due:
        site = Site.from_row(row)
        db = deps.site_db(site)
        waiting = await db.all(
            "SELECT id, name, email FROM leads WHERE site_id = ? AND digest = 1 AND mailed = 0 AND created_at <= ?"
            " ORDER BY created_at, id",
            (site.id, now),
        )
        owner = await owner_email(deps.db, site)
        if owner and waiting:
            lines = [f"{w['name'] or w['email']} ({w['email']})" for w in waiting[:DIGEST_LISTED]]
            if len(waiting) > DIGEST_LISTED:
                lines.append(f"and {len(waiting) - DIGEST_LISTED} more")
            data = {
                "site_name": site.name,
                "count": str(len(waiting)),
                "summary": "\n".join(lines),
                "link": f"{deps.settings.portal_origin}/sites/{site.id}/leads",
            }
            try:
                sent += await deps.mail.send("leads_digest", owner, data, f"leads-digest-{waiting[0]['id']}")
            except MailUnavailable:
                return {"digests_sent": sent}, False  # the next Cron tries again (no step after step now)
        # Not due, then the enquiries named marked, then due again from the oldest still waiting: an
        # enquiry that comes in meanwhile sets its own time (`submit`) and the earlier one wins.
        await deps.db.run("UPDATE sites SET digest_due_at = NULL WHERE id = ?", (site.id,))
        await db.run(
            "UPDATE leads SET mailed = 1 WHERE site_id = ? AND id IN (SELECT value FROM json_each(?))",
            (site.id, json.dumps([w["id"] for w in waiting])),
        )
        later = await db.all(
            "SELECT min(created_at) AS at FROM leads WHERE site_id = ? AND digest = 1 AND mailed = 0", (site.id,)
        )
        if later[0]["at"] is not None:
            await deps.db.run(
                "UPDATE sites SET digest_due_at = min(coalesce(digest_due_at, ?), ?) WHERE id = ?",
                (later[0]["at"], later[0]["at"], site.id),
            )
    return {"digests_sent": sent}, len(due) == DIGEST_PAGE
