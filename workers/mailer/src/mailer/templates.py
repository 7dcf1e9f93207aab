"""The transactional emails: one small function each, rendered to a subject, HTML and a text part.

A template returns blocks (paragraphs, a button, a quote, a table), never markup: `render` builds
both bodies from them and escapes every value in the HTML, so no template can forget to.
`validate` checks a caller's data first: every required key present, values are strings or
numbers, link values (`link`, `portal`) are http(s) URLs, and values that reach the subject are one line."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mailer.headers import check_header_text, has_control
from shared.schema import Field, invalid

PRODUCT = "SmartPages"
MAX_VALUE_LENGTH = 10_000

Data = Mapping[str, str]


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Button:
    label: str
    url: str


@dataclass(frozen=True)
class Quote:
    """Multi-line text someone else wrote (a lead's message): kept as written, clearly set apart."""

    text: str


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, str], ...]


Block = Para | Button | Quote | Table


@dataclass(frozen=True)
class Message:
    subject: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Rendered:
    """What a message becomes: its Subject header, and the same blocks as HTML and as plain text."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Template:
    name: str
    build: Callable[[Data], Message]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    # Keys whose values go into the Subject header: refused if they hold a line break.
    subject_keys: tuple[str, ...] = ()
    # A key holding an address to put in Reply-To (the lead's own address, for lead notifications).
    reply_to_key: str | None = None
    keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset((*self.required, *self.optional)))


def _hi(data: Data) -> Para:
    name = data.get("name", "").strip()
    return Para(f"Hi {name}," if name else "Hi,")


def _expiry(data: Data, default: str) -> Para:
    return Para(f"The link works for {data.get('expires_in') or default} and only once.")


_IGNORE = Para("If you did not ask for this, you can ignore this email; nothing changes.")


@dataclass(frozen=True)
class Notice:
    """The common email: greeting, paragraphs, a button, then maybe the link's lifetime and the
    "ignore this" line. Texts are format strings over the caller's data and `product`."""

    subject: str
    heading: str
    paragraphs: tuple[str, ...]
    button: str
    link_key: str = "link"
    expires: str = ""  # the link's lifetime unless data says otherwise (`expires_in`)
    ignorable: bool = False  # for mail a stranger can cause: "ignore this; nothing changes"

    def __call__(self, d: Data) -> Message:
        def fill(text: str) -> str:
            return text.format(product=PRODUCT, **d)

        blocks: list[Block] = [_hi(d), *(Para(fill(text)) for text in self.paragraphs)]
        blocks.append(Button(self.button, d[self.link_key]))
        blocks += [_expiry(d, self.expires)] if self.expires else []
        blocks += [_IGNORE] if self.ignorable else []
        return Message(fill(self.subject), fill(self.heading), tuple(blocks))


NOTICES = {
    "verify_email": Notice(
        "Confirm your email address",
        "Confirm your email address",
        ("Please confirm this address to finish setting up your {product} account.",),
        "Confirm email address",
        expires="24 hours",
        ignorable=True,
    ),
    "password_reset": Notice(
        "Reset your {product} password",
        "Reset your password",
        ("Someone, hopefully you, asked to reset the password of this account.",),
        "Choose a new password",
        expires="1 hour",
        ignorable=True,
    ),
    "magic_link": Notice(
        "Your {product} sign-in link",
        "Sign in",
        ("Use this link to sign in to {product}.",),
        "Sign in",
        expires="10 minutes",
        ignorable=True,
    ),
    "welcome": Notice(
        "Welcome to {product}",
        "Welcome to {product}",
        ("Your account is ready. Pick a layout, add your details and publish your page in minutes.",),
        "Open your portal",
        link_key="portal",
    ),
    "password_changed": Notice(
        "Your {product} password was changed",
        "Your password was changed",
        (
            "The password of your {product} account was just changed, and every other device was signed out.",
            "If this was not you, reset your password now with the link below.",
        ),
        "Reset my password",
    ),
    # Sign-up with an address that already has an account: the owner is told, the stranger learns nothing.
    "account_exists": Notice(
        "You already have a {product} account",
        "You already have an account",
        (
            "Someone, hopefully you, tried to sign up to {product} with this address, or to move another account to it,"
            " but this address already has an account. Nothing was changed.",
            "Log in instead, or reset your password if you forgot it.",
        ),
        "Log in",
        ignorable=True,
    ),
    # A burst of lead posts (issue 23, L6): after a few single lead mails in an hour, one note.
    "leads_waiting": Notice(
        "More enquiries are waiting on {site_name}",
        "More enquiries are waiting",
        (
            "{site_name} received many enquiries in the last hour, so we stopped emailing you each one"
            " until the hour is over. Every enquiry is kept.",
            "Read them all in your enquiries inbox.",
        ),
        "See all enquiries",
    ),
    # Her own domain turned active (customer/domains.py, mail_when_live: once per activation).
    "domain_live": Notice(
        "{hostname} is live",
        "Your domain is live",
        (
            "Your DNS records are in place and Cloudflare has confirmed them: visitors reach {site_name} at"
            " https://{hostname} now, with the padlock (HTTPS).",
            "Nothing else to do. If you ever change your DNS provider, copy the same records there.",
        ),
        "Open your site",
    ),
    "payment_failed": Notice(
        "Your {product} payment did not go through",
        "Your payment did not go through",
        (
            "We could not take the payment of {amount} for your {plan} plan.",
            "Please check your payment method so your site stays online.",
        ),
        "Update payment method",
    ),
    "payment_action_required": Notice(
        "Action needed to complete your {product} payment",
        "Your bank needs you to confirm a payment",
        ("Your bank asked for confirmation of the payment of {amount} for your {plan} plan.",),
        "Confirm payment",
    ),
    "trial_ending": Notice(
        "Your {product} trial ends on {trial_end}",
        "Your trial is ending soon",
        (
            "Your {plan} trial ends on {trial_end}.",
            "Add a payment method to keep your site online without interruption.",
        ),
        "Manage billing",
    ),
    "plan_downgraded": Notice(
        "Your {product} account is now on Free",
        "Your account is now on Free",
        (
            "Your {plan} plan has ended, so your account is on Free from today.",
            "Your published sites stay online at their smartpages.site address, and nothing is deleted."
            " Sites and pages beyond Free's limits stay published as they are; to change them, subscribe"
            " again or keep fewer sites. Lead forms you already published keep working.",
            "Your custom domains keep working until {domains_until}. After that they forward"
            " visitors to your smartpages.site address until you subscribe again or remove them.",
        ),
        "Choose a plan",
    ),
    "domains_ending": Notice(
        "Your custom domains stop on {domains_until}",
        "Your custom domains stop in 3 days",
        (
            "On {domains_until} your custom domains start forwarding visitors to your"
            " smartpages.site address. Your site stays online there.",
            "To keep your own domain, subscribe again before then: nothing else changes.",
        ),
        "Choose a plan",
    ),
    # Issue 28: the owner of a site invites someone to her team (customer/team.py).
    "site_invitation": Notice(
        "{inviter} invited you to {site_name} on {product}",
        "You are invited to help with {site_name}",
        (
            "{inviter} invited you to {role} their website {site_name} on {product}.",
            "Accept with the button below: sign in, or create a free account, with this email address.",
        ),
        "Accept the invitation",
        expires="7 days",
    ),
    "subscription_activated": Notice(
        "Your {product} {plan} plan is active",
        "Your subscription is active",
        ("Thank you! Your {plan} plan is active.",),
        "Open your portal",
    ),
}


def email_change(d: Data) -> Message:
    return Message(
        "Confirm your new email address",
        "Confirm your new email address",
        (
            _hi(d),
            Para(
                f"You asked to change the email address of your {PRODUCT} account"
                + (f" to {d['new_email']}." if d.get("new_email") else " to this one.")
            ),
            Button("Confirm the change", d["link"]),
            _expiry(d, "24 hours"),
            Para("Until you confirm, your account keeps its current address."),
        ),
    )


def email_changed(d: Data) -> Message:
    """To the old address after a change: the owner's way back if someone else made it."""
    return Message(
        f"Your {PRODUCT} email address was changed",
        "Your email address was changed",
        (
            _hi(d),
            Para(
                f"The email address of your {PRODUCT} account was changed"
                + (f" to {d['new_email']}." if d.get("new_email") else " to another address.")
                + " We will not write to this address about the account any more."
            ),
            Para(
                "If this was not you, undo the change: the account comes back to this address"
                " and you choose a new password."
            ),
            Button("Undo the change", d["link"]),
            _expiry(d, "7 days"),
        ),
    )


def subscription_cancelled(d: Data) -> Message:
    ends = d.get("access_until", "")
    return Message(
        f"Your {PRODUCT} subscription has been cancelled",
        "Your subscription has been cancelled",
        (
            _hi(d),
            # What happens and when, as docs/billing.md ("Downgrade policy") has it.
            Para(
                f"Your {d['plan']} plan stays active until {ends}; then your account moves to Free."
                if ends
                else "Your account is now on Free."
            ),
            Para(
                "Your published sites stay online at their smartpages.site address, and nothing is deleted:"
                " pages, images, versions and messages stay. Custom domains keep working for 14 days after"
                " the move to Free, then forward visitors to your smartpages.site address; we remind you 3"
                " days before. Lead forms you already published keep working."
            ),
            Para("Changed your mind? Subscribe again at any time and everything comes back as it was."),
            Button("Manage billing", d["link"]),
        ),
    )


def lead_notification(d: Data) -> Message:
    rows = [("Name", d["lead_name"]), ("Email", d["lead_email"])]
    if d.get("lead_phone"):
        rows.append(("Phone", d["lead_phone"]))
    return Message(
        f"New enquiry from {d['lead_name']} on {d['site_name']}",
        "You have a new enquiry",
        (
            Para(f"Someone filled in the contact form on {d['site_name']}."),
            Table(tuple(rows)),
            Quote(d["message"]),
            Para("Reply to this email to answer them directly."),
            Button("See all enquiries", d["link"]),
        ),
    )


def lead_auto_reply(d: Data) -> Message:
    return Message(
        f"Thank you for your message to {d['site_name']}",
        f"Thank you for your message to {d['site_name']}",
        (
            Quote(d["text"]),
            Para(f"This is an automatic reply from {d['site_name']} to the enquiry sent from its website."),
            Button(f"Visit {d['site_name']}", d["link"]),
        ),
    )


def leads_digest(d: Data) -> Message:
    return Message(
        f"{d['count']} new enquiries on {d['site_name']}"
        if d["count"] != "1"
        else f"A new enquiry on {d['site_name']}",
        "Your enquiries of the day",
        (
            Para(f"Since the last summary, {d['site_name']} received {d['count']} new enquiries:"),
            Quote(d["summary"]),
            Button("Read them", d["link"]),
            Para("You chose one summary a day for this form. Change it in the editor's contact form block."),
        ),
    )


_GREETED = ("name",)
_LINK = ("name", "expires_in")

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template("verify_email", NOTICES["verify_email"], ("link",), _LINK),
        Template("password_reset", NOTICES["password_reset"], ("link",), _LINK),
        Template("magic_link", NOTICES["magic_link"], ("link",), _LINK),
        Template("welcome", NOTICES["welcome"], ("portal",), _GREETED),
        Template("email_change", email_change, ("link",), (*_LINK, "new_email")),
        Template("password_changed", NOTICES["password_changed"], ("link",), _GREETED),
        Template("email_changed", email_changed, ("link",), (*_LINK, "new_email")),
        Template("account_exists", NOTICES["account_exists"], ("link",), _GREETED),
        Template("payment_failed", NOTICES["payment_failed"], ("plan", "amount", "link"), _GREETED),
        Template("payment_action_required", NOTICES["payment_action_required"], ("plan", "amount", "link"), _GREETED),
        Template("trial_ending", NOTICES["trial_ending"], ("plan", "trial_end", "link"), _GREETED, ("trial_end",)),
        Template("subscription_cancelled", subscription_cancelled, ("plan", "link"), ("name", "access_until")),
        Template("plan_downgraded", NOTICES["plan_downgraded"], ("plan", "domains_until", "link"), _GREETED),
        Template("domains_ending", NOTICES["domains_ending"], ("domains_until", "link"), _GREETED, ("domains_until",)),
        Template("subscription_activated", NOTICES["subscription_activated"], ("plan", "link"), _GREETED, ("plan",)),
        Template("leads_waiting", NOTICES["leads_waiting"], ("site_name", "link"), _GREETED, ("site_name",)),
        Template("domain_live", NOTICES["domain_live"], ("hostname", "site_name", "link"), _GREETED, ("hostname",)),
        Template(
            "site_invitation",
            NOTICES["site_invitation"],
            ("site_name", "inviter", "role", "link"),
            _LINK,
            ("site_name", "inviter"),
        ),
        Template("leads_digest", leads_digest, ("site_name", "count", "summary", "link"), (), ("site_name", "count")),
        Template("lead_auto_reply", lead_auto_reply, ("site_name", "text", "link"), (), ("site_name",)),
        Template(
            "lead_notification",
            lead_notification,
            ("site_name", "lead_name", "lead_email", "message", "link"),
            ("lead_phone",),
            ("site_name", "lead_name"),
            reply_to_key="lead_email",
        ),
    )
}
# Values that become a link's href: they must be absolute http(s) URLs.
URL_KEYS = frozenset({"link", "portal"})


def get(name: object) -> Template:
    template = TEMPLATES.get(name) if isinstance(name, str) else None
    if template is None:
        options = sorted(TEMPLATES)
        raise invalid(
            "template", f"must be one of: {', '.join(options)}", "not_an_option", "unknown_template", options=options
        )
    return template


@dataclass
class TemplateName(Field):
    """A shared.schema field: the name of a template, checked into the Template itself."""

    required: bool = True
    default: Any = None

    def check(self, value: Any, path: str) -> Any:
        return get(value)

    def json_schema(self) -> dict[str, Any]:
        return {"enum": sorted(TEMPLATES)}


@dataclass
class TemplateData(Field):
    """A shared.schema field: the template's values, an object (checked against the template by
    `validate` once the template is known)."""

    required: bool = False
    default: Any = field(default_factory=dict)

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise invalid(path, "must be an object", "not_object", "invalid_data")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": {"type": ["string", "number"]}}


def _is_http_url(value: str) -> bool:
    scheme, sep, rest = value.partition("://")
    return bool(sep) and scheme.lower() in ("http", "https") and bool(rest) and not any(c.isspace() for c in value)


def validate(template: Template, data: object) -> dict[str, str]:
    """The caller's data as strings, or a 400 (shared.schema) naming the first key that is wrong."""
    if not isinstance(data, dict):
        raise invalid("data", "must be an object", "not_object", "invalid_data")
    missing = [k for k in template.required if k not in data]
    if missing:
        names = ", ".join(f"data.{k}" for k in missing)
        raise invalid(f"data.{missing[0]}", f"{names} required by {template.name}", "required", "missing_data")
    clean: dict[str, str] = {}
    for key, value in data.items():
        name = f"data.{key}"
        if key not in template.keys:
            raise invalid(name, f"not used by {template.name}", "unknown_field", "invalid_data")
        clean[key] = _text(name, value)
        if key in URL_KEYS and not _is_http_url(clean[key]):
            raise invalid(name, "must be an http(s) URL", "not_link", "invalid_data")
        if key in template.subject_keys:
            check_header_text(name, clean[key])
    return clean


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(name, "must be a string", "not_text", "invalid_data")
    text = str(value)
    if len(text) > MAX_VALUE_LENGTH:
        limit = MAX_VALUE_LENGTH
        raise invalid(name, f"must be at most {limit} characters", "too_long", "invalid_data", max_length=limit)
    if has_control(text.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise invalid(name, "must not contain control characters", "control_characters", "invalid_data")
    return text


def render(template: Template, data: Data) -> Rendered:
    message = template.build(data)
    return Rendered(message.subject, _html(message), _text_body(message))


# --- HTML: one column, inline styles (email clients ignore <style> blocks often enough) ----------

_FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _html_block(block: Block) -> str:
    if isinstance(block, Para):
        return f'<p style="margin:0 0 16px;line-height:1.5">{_e(block.text)}</p>'
    if isinstance(block, Button):
        return (
            '<p style="margin:24px 0">'
            f'<a href="{_e(block.url)}" style="background:#1d4ed8;color:#ffffff;padding:12px 20px;'
            f'border-radius:6px;text-decoration:none;display:inline-block">{_e(block.label)}</a></p>'
            '<p style="margin:0 0 16px;font-size:13px;color:#555;line-height:1.5">'
            f'Or paste this link into your browser:<br><a href="{_e(block.url)}" style="color:#1d4ed8;'
            f'word-break:break-all">{_e(block.url)}</a></p>'
        )
    if isinstance(block, Quote):
        return (
            '<blockquote style="margin:0 0 16px;padding:12px 16px;border-left:4px solid #cbd5e1;'
            f'background:#f8fafc;white-space:pre-wrap;line-height:1.5">{_e(block.text)}</blockquote>'
        )
    rows = "".join(
        f'<tr><th style="text-align:left;padding:4px 16px 4px 0;color:#555;font-weight:600">{_e(label)}</th>'
        f'<td style="padding:4px 0">{_e(value)}</td></tr>'
        for label, value in block.rows
    )
    return f'<table role="presentation" style="margin:0 0 16px;border-collapse:collapse">{rows}</table>'


def _html(message: Message) -> str:
    body = "".join(_html_block(b) for b in message.blocks)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(message.subject)}</title></head>"
        f'<body style="margin:0;padding:24px;background:#f1f5f9;color:#0f172a;{_FONT}">'
        '<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">'
        f'<h1 style="margin:0 0 24px;font-size:22px">{_e(message.heading)}</h1>{body}</div>'
        f'<p style="max-width:560px;margin:16px auto 0;font-size:12px;color:#64748b;text-align:center">'
        f"{_e(PRODUCT)} · smartpages.online</p></body></html>"
    )


# --- Text: the same blocks, readable in any client ---------------------------------------------


def _text_block(block: Block) -> str:
    if isinstance(block, Para):
        return block.text
    if isinstance(block, Button):
        return f"{block.label}:\n{block.url}"
    if isinstance(block, Quote):
        return "\n".join(f"> {line}" for line in block.text.splitlines() or [""])
    return "\n".join(f"{label}: {value}" for label, value in block.rows)


def _text_body(message: Message) -> str:
    parts = [message.heading, *(_text_block(b) for b in message.blocks), f"-- \n{PRODUCT} · smartpages.online"]
    return "\n\n".join(parts) + "\n"
