"""The one definition of what a lead form's fields accept (issue 27, item 2): each kind's rules, the
server's check of a visitor's answer, and the HTML attributes the published page carries, derived
from the same rules so the browser and the server refuse the same things.

A field as the owner shapes it: {"label", "kind", "required", "options"}. `check` is the server's
judgement of one posted value (the answer to store, or the words shown next to the field);
`attributes` is what the published <input> carries. The patterns are written so they mean the same
under Python's `re.fullmatch` and a browser's `pattern` attribute (which compiles with the `v` flag
and anchors the whole value): only escapes both accept."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.errors import HttpError
from shared.schema import Email


@dataclass(frozen=True)
class Rule:
    """One kind of field: the portal's words for it, its input type and limits."""

    words: str
    input_type: str = "text"  # "" for controls that are not one <input> (textarea, select, checkboxes)
    max_length: int = 200
    pattern: str = ""  # the whole value must match (re.fullmatch here, `pattern` in the browser)
    pattern_words: str = ""  # what a value that does not match is told
    autocomplete: str = ""
    has_options: bool = False


RULES: dict[str, Rule] = {
    "short": Rule("Short text"),
    "long": Rule("Long text", "", 5000),
    # The browser's type=email takes `anna@b`; the pattern asks for a dot in the domain, as the
    # server's Email check does, so both refuse it.
    "email": Rule(
        "Email",
        "email",
        254,
        r"[^@\s]+@[^@\s]+\.[^@\s]+",
        "Please enter an email address like name@example.com.",
        "email",
    ),
    "phone": Rule(
        "Phone",
        "tel",
        40,
        r"\+?[0-9 \(\)\.\/\-]{5,40}",
        "Please enter a phone number (digits, spaces, + ( ) - . /).",
        "tel",
    ),
    "number": Rule("Number", "number", 30),
    "date": Rule("Date", "date", 10),
    "choice": Rule("Choice", "", 200, has_options=True),
    "checkboxes": Rule("Checkboxes", "", 2000, has_options=True),
    "consent": Rule("Consent (a box to tick)", "checkbox", 3),
}
KINDS = tuple(RULES)
MAX_OPTIONS = 20
YES = "yes"  # the value a ticked consent box posts


def rule(field: dict[str, Any]) -> Rule:
    return RULES[field["kind"]]


def check(field: dict[str, Any], values: list[str]) -> tuple[str, str]:
    """(answer, problem): the value to store, or the words shown next to the field (answer "")."""
    kind, required = field["kind"], bool(field.get("required"))
    spec = RULES[kind]
    options = [str(o) for o in field.get("options") or []]
    if kind == "checkboxes":
        picked = [v for v in values if v in options]
        if len(picked) != len([v for v in values if v]):
            return "", "Please choose from the options shown."
        if required and not picked:
            return "", "Please tick at least one."
        return ", ".join(picked), ""
    value = (values[0] if values else "").strip()
    if not value:
        if required:
            return "", "Please tick this box." if kind == "consent" else "Please fill this in."
        return "", ""
    if len(value) > spec.max_length:
        return "", f"Please shorten this to {spec.max_length} characters."
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return "", spec.pattern_words
    return _typed(kind, value, options)


def _typed(kind: str, value: str, options: list[str]) -> tuple[str, str]:
    if kind == "email":
        try:
            return Email().check(value, "email"), ""
        except HttpError:
            return "", RULES["email"].pattern_words
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            return "", "Please enter a number."
        return (value, "") if math.isfinite(number) else ("", "Please enter a number.")
    if kind == "date":
        try:
            day = date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
        except ValueError:
            day = None
        return (day.isoformat(), "") if day else ("", "Please enter a date.")
    if kind == "choice" and value not in options:
        return "", "Please choose from the options shown."
    if kind == "consent":
        return ("Yes", "") if value == YES else ("", "Please tick this box.")
    return value, ""


def attributes(field: dict[str, Any]) -> list[tuple[str, str]]:
    """The published control's attributes, from the same rules `check` applies (values unescaped)."""
    spec = RULES[field["kind"]]
    attrs: list[tuple[str, str]] = []
    if spec.input_type:
        attrs.append(("type", spec.input_type))
    if field["kind"] not in ("choice", "checkboxes", "consent", "date", "number"):
        attrs.append(("maxlength", str(spec.max_length)))
    if spec.pattern:
        attrs.append(("pattern", spec.pattern))
        attrs.append(("title", spec.pattern_words))
    if spec.autocomplete:
        attrs.append(("autocomplete", spec.autocomplete))
    if field["kind"] == "number":
        attrs.append(("step", "any"))
    if field.get("required") and field["kind"] != "checkboxes":  # a group cannot be `required` in HTML
        attrs.append(("required", ""))
    return attrs


def names(fields: list[dict[str, Any]]) -> list[str]:
    """Each field's posted name: `f-` and its label's slug (so a renamed field of a stale page is
    missing, not misfiled), made unique by position; the prefix keeps clear of the form's own
    names (page, website, cf-turnstile-response)."""
    out: list[str] = []
    for field in fields:
        slug = re.sub(r"[^a-z0-9]+", "-", str(field["label"]).lower()).strip("-")[:40] or "field"
        name, n = f"f-{slug}", 2
        while name in out:
            name, n = f"f-{slug}-{n}", n + 1
        out.append(name)
    return out


# A form saved before fields could be shaped (no `fields`): the four it always had.
def default_fields(ask_phone: bool) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = [
        {"label": "Name", "kind": "short", "required": True, "options": []},
        {"label": "Email", "kind": "email", "required": True, "options": []},
    ]
    if ask_phone:
        fields.append({"label": "Phone (optional)", "kind": "phone", "required": False, "options": []})
    fields.append({"label": "Message", "kind": "long", "required": True, "options": []})
    return fields


# The fixed contact form (a lead_form without owner-shaped fields), by posted name, in its order:
# the renderer publishes each with `attributes`, customer/forms.py checks each with `check`.
FIXED: dict[str, dict[str, Any]] = {
    "name": {"label": "Name", "kind": "short", "required": True, "options": []},
    "email": {"label": "Email", "kind": "email", "required": True, "options": []},
    "phone": {"label": "Phone", "kind": "phone", "required": False, "options": []},
    "message": {"label": "Message", "kind": "long", "required": True, "options": []},
}


MAX_FIELDS = 20
OPTION_MAX = 100
EMAIL_FIELD: dict[str, Any] = {"label": "Email", "kind": "email", "required": True, "options": []}


def options_of(text: Any) -> list[str]:
    """The owner's choices, one a line (blank lines and repeats left out), at most MAX_OPTIONS."""
    lines = str(text or "").splitlines() if not isinstance(text, list) else [str(o) for o in text]
    out: list[str] = []
    for line in lines:
        option = line.strip()[:OPTION_MAX]
        if option and option not in out:
            out.append(option)
    return out[:MAX_OPTIONS]


def shaped(block: dict[str, Any]) -> list[dict[str, Any]]:
    """A lead_form block's published fields as the owner shaped them; [] for the fixed form (no
    `fields`). A choice or checkboxes without choices is left out (nothing to pick); the first email
    field is required, and a form without one gets one, first: every enquiry can be answered (the
    owner's mail is Reply-To the visitor)."""
    out: list[dict[str, Any]] = []
    for raw in (block.get("fields") or [])[:MAX_FIELDS]:
        kind = raw.get("kind") if raw.get("kind") in RULES else "short"
        options = options_of(raw.get("options")) if RULES[kind].has_options else []
        if RULES[kind].has_options and not options:
            continue
        label = str(raw.get("label") or "").strip() or RULES[kind].words
        out.append({"label": label, "kind": kind, "required": bool(raw.get("required")), "options": options})
    emails = [f for f in out if f["kind"] == "email"]
    if out and not emails:
        out.insert(0, dict(EMAIL_FIELD))
    elif emails:
        emails[0]["required"] = True
    return out


def published(pages: list[Any]) -> dict[str, dict[str, Any]]:
    """What a published version keeps of its lead forms (customer.model.Page list in):
    {block id: {"page": its path, "fields": `shaped`, "auto_reply": the owner's text, "owner_mail":
    "each" | "daily"}}; customer/forms.py checks a post against it."""
    return {
        str(b["id"]): {
            "page": page.path,
            "fields": shaped(b),
            "auto_reply": str(b.get("auto_reply") or "").strip(),
            "owner_mail": "daily" if b.get("owner_mail") == "daily" else "each",
        }
        for page in pages
        for b in page.blocks
        if b.get("type") == "lead_form" and "id" in b
    }
