"""The one validator of every worker: a small declarative schema for JSON bodies and query strings.
Every error is a 400 naming the field by its path (`blocks[2].items[0].title: must be a string`,
`details.field` = the path), unknown fields included, and saying why with a stable `reason` (REASONS,
plus the limit concerned: `max_length`, `min_items`/`max_items`, `minimum`/`maximum`, `options`), so a
client can say it in its own words without reading the English message.

A spec is a tree of Field objects; `check(value, path)` returns the cleaned value and `json_schema()`
the JSON Schema (2020-12, as OpenAPI 3.1 uses) of what it accepts, so the API description
(core/openapi.py) is derived from the very specs the workers validate with."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from urllib.parse import parse_qs

from shared.errors import HttpError
from shared.http import Request
from shared.jsonbody import read_json_object

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,59}$")  # no leading, trailing or double hyphen
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# What a one-line / multi-line text may hold (multi-line: newlines and tabs too), as regex classes.
_LINE = r"[^\x00-\x1f\x7f]"
_TEXT = r"[^\x00-\x08\x0b-\x1f\x7f]"


# Why a field was refused: the `reason` of every field error (documented in /api/v1/openapi.json).
REASONS: dict[str, str] = {
    "required": "the field is missing",
    "empty": "the text is empty or only white space",
    "unknown_field": "no such field here",
    "not_text": "not a string",
    "too_long": "longer than `max_length` characters",
    "control_characters": "holds control characters (line breaks where one line is expected)",
    "bad_format": "not in the expected format (the message says which)",
    "not_email": "not an email address",
    "not_boolean": "not true or false",
    "out_of_range": "not a whole number from `minimum` to `maximum`",
    "not_an_option": "not one of `options`",
    "not_date": "not a date as YYYY-MM-DD",
    "not_link": "not an http(s), mailto: or tel: link, a /path or an #anchor",
    "not_asset": "not the sha256 of an uploaded image",
    "no_such_image": "no such image on this site (upload it first)",
    "not_list": "not a list",
    "wrong_count": "fewer than `min_items` or more than `max_items` items",
    "not_object": "not an object",
    "repeated": "a query parameter given more than once",
    "too_many_parameters": "too many query parameters",
    "weak_password": "a password too short, too long or too common",
    "low_contrast": "a colour too light or too dark to read on the pages (`too`: light or dark, `pair`: which text"
    " fails, `contrast` and `needed`: its ratio and the one needed, `suggestion`: the nearest colour that reads well)",
    "bad_value": "not accepted for another reason (the message says why)",
}


class FieldInvalid(HttpError):
    """A 400 naming the field (`field`, its path) and why (`reason`, one of REASONS)."""

    def __init__(self, path: str, message: str, reason: str, code: str, limits: dict[str, Any]) -> None:
        super().__init__(400, code, message, details={"field": path, "reason": reason, **limits})
        self.field = path
        self.reason = reason


def invalid(
    path: str, message: str, reason: str = "bad_value", code: str = "invalid_field", **limits: Any
) -> FieldInvalid:
    """The error for a refused field: the message starts with its path (`to: must be …`)."""
    return FieldInvalid(path, f"{path}: {message}", reason, code, limits)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _string(value: Any, path: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise invalid(path, "must be a string", "not_text")
    if len(value) > max_length:
        raise invalid(path, f"must be at most {max_length} characters", "too_long", max_length=max_length)
    return value


class Field:
    """Base: `required` fields must be present; optional ones default to `default`."""

    required: bool = False
    default: Any = None

    def check(self, value: Any, path: str) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass
class Str(Field):
    max_length: int = 200
    required: bool = False
    default: Any = ""
    multiline: bool = False
    pattern: re.Pattern[str] | None = None
    hint: str = ""

    def check(self, value: Any, path: str) -> Any:
        value = _string(value, path, self.max_length)
        if any(ord(c) < 32 and (c not in "\n\t" or not self.multiline) for c in value) or "\x7f" in value:
            raise invalid(path, "must not contain control characters", "control_characters")
        if self.required and not value.strip():
            raise invalid(path, "must not be empty", "empty")
        if self.pattern is not None and value and not self.pattern.match(value):
            raise invalid(path, self.hint or "has the wrong format", "bad_format")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        chars = _TEXT if self.multiline else _LINE
        if self.pattern is not None:
            schema["pattern"] = self.pattern.pattern if self.required else f"^$|{self.pattern.pattern}"
        elif self.required:  # something besides white space
            schema["pattern"] = rf"^{chars}*[^\s\x00-\x1f\x7f]{chars}*$"
        else:
            schema["pattern"] = rf"^{chars}*$"
        if self.required:
            schema["minLength"] = 1
        if self.hint:
            schema["description"] = self.hint
        return schema


@dataclass
class Secret(Field):
    """A password or an emailed token: any string, taken exactly as sent (no trimming, no character
    rules: those are the password policy's job)."""

    max_length: int = 200
    required: bool = True
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        return _string(value, path, self.max_length)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length}


@dataclass
class Email(Field):
    """A deliverable-looking address, trimmed, with its domain lower-cased (the local part is kept)."""

    required: bool = True
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        text = Str(max_length=254).check(value, path).strip()
        local, _, domain = text.rpartition("@")
        normalized = f"{local}@{domain.lower()}"
        if not local or not _EMAIL.match(normalized):
            raise invalid(path, "must be an email address", "not_email")
        return normalized

    def json_schema(self) -> dict[str, Any]:
        # The check's pattern with the domain in either case (the check lower-cases it first).
        domain = _EMAIL.pattern.split("@", 1)[1].replace("a-z", "a-zA-Z")
        local = _EMAIL.pattern.split("@", 1)[0]
        return {"type": "string", "maxLength": 254, "pattern": f"{local}@{domain}", "description": "an email address"}


@dataclass
class Bool(Field):
    required: bool = False
    default: Any = False

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            raise invalid(path, "must be true or false", "not_boolean")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass
class Int(Field):
    minimum: int = 0
    maximum: int = 2**53
    required: bool = False
    default: Any = None
    hint: str = ""

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, int) or isinstance(value, bool) or not self.minimum <= value <= self.maximum:
            raise invalid(
                path,
                self.hint or f"must be a whole number from {self.minimum} to {self.maximum}",
                "out_of_range",
                minimum=self.minimum,
                maximum=self.maximum,
            )
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        return {**schema, "description": self.hint} if self.hint else schema


@dataclass
class Choice(Field):
    options: tuple[str, ...] = ()
    required: bool = False
    default: Any = None

    def check(self, value: Any, path: str) -> Any:
        if value not in self.options:
            raise invalid(
                path, f"must be one of: {', '.join(self.options)}", "not_an_option", options=list(self.options)
            )
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"enum": list(self.options)}


@dataclass
class Date(Field):
    """A calendar day as YYYY-MM-DD (kept as the string)."""

    required: bool = False
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, str) or not _DATE.match(value):
            raise invalid(path, "must be a date as YYYY-MM-DD", "not_date")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise invalid(path, "must be a date as YYYY-MM-DD", "not_date") from None
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date", "pattern": _DATE.pattern}


@dataclass
class Link(Field):
    """Where a visitor's click may go: http(s), mailto:, tel:, a path on the site or an #anchor.
    Never javascript:, data: or a protocol-relative `//host`."""

    required: bool = False
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        text = Str(max_length=500, required=self.required).check(value, path).strip()
        if not text and not self.required:
            return ""
        lowered = text.lower()
        ok = (
            (lowered.startswith(("https://", "http://")) and len(text) > 8 and " " not in text)
            or (lowered.startswith(("mailto:", "tel:")) and " " not in text.strip())
            or (text.startswith("/") and not text.startswith("//") and "\\" not in text)
            or (text.startswith("#") and len(text) > 1)
        )
        if not ok:
            raise invalid(path, "must be an http(s), mailto: or tel: link, a /path or an #anchor", "not_link")
        return text

    def json_schema(self) -> dict[str, Any]:
        target = r"(?:[hH][tT][tT][pP][sS]?://[^ ]+|[mM][aA][iI][lL][tT][oO]:[^ ]*|[tT][eE][lL]:[^ ]*|/(?!/)[^\\]*|#.+)"
        return {
            "type": "string",
            "maxLength": 500,
            "pattern": rf"^\s*{target}\s*$" if self.required else rf"^\s*(?:{target})?\s*$",
            "description": "an http(s), mailto: or tel: link, a /path or an #anchor",
        }


@dataclass
class Asset(Field):
    """A reference to an uploaded image by its SHA-256 (hex)."""

    required: bool = False
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        if value == "" and not self.required:
            return ""
        if not isinstance(value, str) or not SHA256.match(value):
            raise invalid(path, "must be the sha256 of an uploaded image", "not_asset")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": SHA256.pattern if self.required else f"^$|{SHA256.pattern}"}


def color(required: bool = False) -> Str:
    return Str(max_length=7, required=required, pattern=_COLOR, hint="must be a colour like #1a2b3c")


def clock_time() -> Str:
    return Str(max_length=5, pattern=_TIME, hint="must be a time like 09:30")


@dataclass
class List(Field):
    item: Field = field(default_factory=Str)
    min_items: int = 0
    max_items: int = 20
    required: bool = False
    default: Any = field(default_factory=list)

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise invalid(path, "must be a list", "not_list")
        if not self.min_items <= len(value) <= self.max_items:
            raise invalid(
                path,
                f"must have {self.min_items} to {self.max_items} items",
                "wrong_count",
                min_items=self.min_items,
                max_items=self.max_items,
            )
        return [self.item.check(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "items": self.item.json_schema(),
            "minItems": self.min_items,
            "maxItems": self.max_items,
        }


@dataclass
class Obj(Field):
    fields: Mapping[str, Field] = field(default_factory=dict)
    required: bool = False
    default: Any = None

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise invalid(path or "body", "must be an object", "not_object")
        return check_fields(self.fields, value, path)

    def json_schema(self) -> dict[str, Any]:
        return object_schema(self.fields)


def object_schema(fields: Mapping[str, Field], partial: bool = False) -> dict[str, Any]:
    """The JSON Schema of an object checked by `check_fields(fields, …)`."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: spec.json_schema() for name, spec in fields.items()},
    }
    required = [name for name, spec in fields.items() if spec.required and not partial]
    if required:
        schema["required"] = required
    return schema


def check_fields(
    fields: Mapping[str, Field], data: dict[str, Any], path: str = "", partial: bool = False
) -> dict[str, Any]:
    """The cleaned object: every field checked, unknown ones refused, optional ones defaulted
    (with `partial`, absent fields are simply left out: a PATCH)."""
    for name in data:
        if name not in fields:
            raise invalid(_join(path, str(name)), "unknown field", "unknown_field")
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        where = _join(path, name)
        if name in data:
            clean[name] = spec.check(data[name], where)
        elif partial:
            continue
        elif spec.required:
            raise invalid(where, "required", "required")
        else:
            default = spec.default
            clean[name] = type(default)(default) if isinstance(default, list | dict) else default
    return clean


def read_body(request: Request, fields: Mapping[str, Field], partial: bool = False) -> dict[str, Any]:
    """A JSON object body, checked against `fields`."""
    return check_fields(fields, read_json_object(request), partial=partial)


C = TypeVar("C")


def read_command(request: Request, fields: Mapping[str, Field], command: Callable[..., C]) -> C:
    """A JSON object body checked against `fields`, as the typed command a business function takes
    (a frozen dataclass with the same field names)."""
    return command(**read_body(request, fields))


def read_query(request: Request, fields: Mapping[str, Field]) -> dict[str, Any]:
    """The query string, checked against `fields` (each given at most once, as a string; unknown
    parameters are refused like unknown fields)."""
    try:
        given = parse_qs(request.query, keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    except ValueError:
        raise invalid("query", "has too many parameters", "too_many_parameters") from None
    data: dict[str, Any] = {}
    for name, values in given.items():
        if len(values) > 1:
            raise invalid(name, "must be given once", "repeated")
        data[name] = values[0]
    return check_fields(fields, data)


def query_parameters(fields: Mapping[str, Field]) -> list[dict[str, Any]]:
    """The OpenAPI parameters of a query string checked by `read_query(request, fields)`."""
    return [
        {"name": name, "in": "query", "required": spec.required, "schema": spec.json_schema()}
        for name, spec in fields.items()
    ]
