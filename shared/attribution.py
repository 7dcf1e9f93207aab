"""Attribution: where an account came from (the marketing site's deep link
`/start?plan=pro&utm_source=…`). One definition for every hop: the portal keeps these keys from
the link, core stores them with the account at sign-up, billing puts them in Stripe's checkout
metadata. The portal reads the keys and the value pattern from `GET /api/v1/plans` (`attribution`), so a key
added here reaches all three at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shared.schema import Field, invalid

# `plan` is the plan the visitor chose on the landing page; `landing_page` the page they came from.
KEYS = ("plan", "ref", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "landing_page")
MAX_VALUE = 200  # Stripe allows 500 characters per metadata value
# A value the portal, core and billing all accept (also written so JavaScript's RegExp reads it).
VALUE_PATTERN = r"^[\w .:/@+%=&?#~-]{1,200}$"
_VALUE = re.compile(VALUE_PATTERN)
# In Stripe's metadata `plan` already names the plan being bought; the landing page's choice is
# kept beside it under another name.
_METADATA_NAMES = {"plan": "entry_plan"}


def clean(value: Any, field: str = "attribution") -> dict[str, str]:
    """The attribution object from a request body, checked; `None` is no attribution. Empty values
    are dropped (a link with `utm_term=` carries nothing)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(field, "must be an object", "not_object")
    kept: dict[str, str] = {}
    for key, item in value.items():
        if key not in KEYS:
            raise invalid(f"{field}.{key}", f"unknown key (use {', '.join(KEYS)})", "unknown_field")
        if not isinstance(item, str):
            raise invalid(f"{field}.{key}", "must be a string", "not_text")
        if item == "":
            continue
        if not _VALUE.match(item):
            raise invalid(
                f"{field}.{key}",
                f"must be up to {MAX_VALUE} letters, digits or . : / @ + % = & ? # ~ - _",
                "bad_format",
            )
        kept[key] = item
    return kept


@dataclass
class Attribution(Field):
    """The attribution object as a field of a request body (sign-up, checkout)."""

    required: bool = False
    default: Any = field(default_factory=dict)

    def check(self, value: Any, path: str) -> Any:
        return clean(value, path)

    def json_schema(self) -> dict[str, Any]:
        value = {"type": "string", "pattern": f"^$|{VALUE_PATTERN}"}
        return {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": dict.fromkeys(KEYS, value),
        }


def stripe_metadata(attribution: dict[str, str]) -> dict[str, str]:
    """The attribution as Stripe metadata keys."""
    return {_METADATA_NAMES.get(key, key): value for key, value in attribution.items()}
