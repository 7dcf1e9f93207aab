"""Values that end up in mail headers (to, reply-to, from, subject): checked, never trusted.

A CR or LF in a header value would let a caller add headers of their own (header injection), so
any control character is refused rather than stripped: a name with a line break is a bug upstream."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shared.schema import Field, FieldInvalid, invalid

MAX_ADDRESS_LENGTH = 254  # RFC 5321's path limit, minus the angle brackets
MAX_HEADER_TEXT = 200

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A plain ASCII addr-spec: dot-atom local part, a dotted hostname. No quoted local parts, no
# display names, no lists: exactly one mailbox.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")
_SENDER = re.compile(r"^(?P<name>[^<>\"]*?)\s*<(?P<address>[^<>\s]+)>$")


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def check_address(field: str, value: object) -> str:
    """One email address, as it may go into a To or Reply-To header."""
    if not isinstance(value, str) or not value:
        raise invalid(field, "must be an email address", "not_email", code="invalid_address")
    if has_control(value) or len(value) > MAX_ADDRESS_LENGTH or not _ADDRESS.match(value):
        raise invalid(field, "must be one plain email address", "not_email", code="invalid_address")
    return value


@dataclass
class Address(Field):
    """A shared.schema field: one email address, as it may go into a To or Reply-To header."""

    required: bool = True
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        return check_address(path, value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": MAX_ADDRESS_LENGTH, "pattern": _ADDRESS.pattern}


def check_header_text(field: str, value: str) -> str:
    """Free text bound for a header (a subject part, a display name): one line, bounded."""
    if has_control(value):
        raise invalid(field, "must not contain line breaks or control characters", "control_characters")
    if len(value) > MAX_HEADER_TEXT:
        raise invalid(field, f"must be at most {MAX_HEADER_TEXT} characters", "too_long", max_length=MAX_HEADER_TEXT)
    return value


def check_sender(value: str) -> str:
    """MAIL_FROM: `Name <address>` or a bare address. A bad one is a configuration error."""
    match = _SENDER.match(value)
    try:
        if match:
            check_header_text("MAIL_FROM", match["name"])
            check_address("MAIL_FROM", match["address"])
        else:
            check_address("MAIL_FROM", value)
    except FieldInvalid as exc:
        raise RuntimeError(f"MAIL_FROM is not a usable sender: {exc.message}") from None
    return value


def safe_header(value: str) -> str:
    """Last line of defence where a header is built: a control character here is a bug, not input."""
    if has_control(value):
        raise ValueError("refusing a header value with a control character")
    return value
