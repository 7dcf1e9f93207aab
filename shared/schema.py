"""A small declarative schema for JSON writes: every error is a 400 naming the field by its path
(`blocks[2].items[0].title: must be a string`), unknown fields included.

A spec is a tree of Field objects; `check(spec, value, path)` returns the cleaned value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.errors import HttpError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,59}$")  # no leading, trailing or double hyphen
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def invalid(path: str, message: str) -> HttpError:
    return HttpError(400, "invalid_field", f"{path}: {message}", details={"field": path})


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class Field:
    """Base: `required` fields must be present; optional ones default to `default`."""

    required: bool = False
    default: Any = None

    def check(self, value: Any, path: str) -> Any:
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
        if not isinstance(value, str):
            raise invalid(path, "must be a string")
        if len(value) > self.max_length:
            raise invalid(path, f"must be at most {self.max_length} characters")
        if any(ord(c) < 32 and (c not in "\n\t" or not self.multiline) for c in value) or "\x7f" in value:
            raise invalid(path, "must not contain control characters")
        if self.required and not value.strip():
            raise invalid(path, "must not be empty")
        if self.pattern is not None and value and not self.pattern.match(value):
            raise invalid(path, self.hint or "has the wrong format")
        return value


@dataclass
class Bool(Field):
    required: bool = False
    default: Any = False

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            raise invalid(path, "must be true or false")
        return value


@dataclass
class Choice(Field):
    options: tuple[str, ...] = ()
    required: bool = False
    default: Any = None

    def check(self, value: Any, path: str) -> Any:
        if value not in self.options:
            raise invalid(path, f"must be one of: {', '.join(self.options)}")
        return value


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
            raise invalid(path, "must be an http(s), mailto: or tel: link, a /path or an #anchor")
        return text


@dataclass
class Asset(Field):
    """A reference to an uploaded image by its SHA-256 (hex)."""

    required: bool = False
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        if value == "" and not self.required:
            return ""
        if not isinstance(value, str) or not SHA256.match(value):
            raise invalid(path, "must be the sha256 of an uploaded image")
        return value


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
            raise invalid(path, "must be a list")
        if not self.min_items <= len(value) <= self.max_items:
            raise invalid(path, f"must have {self.min_items} to {self.max_items} items")
        return [self.item.check(v, f"{path}[{i}]") for i, v in enumerate(value)]


@dataclass
class Obj(Field):
    fields: Mapping[str, Field] = field(default_factory=dict)
    required: bool = False
    default: Any = None

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise invalid(path or "body", "must be an object")
        return check_fields(self.fields, value, path)


def check_fields(
    fields: Mapping[str, Field], data: dict[str, Any], path: str = "", partial: bool = False
) -> dict[str, Any]:
    """The cleaned object: every field checked, unknown ones refused, optional ones defaulted
    (with `partial`, absent fields are simply left out: a PATCH)."""
    for name in data:
        if name not in fields:
            raise invalid(_join(path, str(name)), "unknown field")
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        where = _join(path, name)
        if name in data:
            clean[name] = spec.check(data[name], where)
        elif partial:
            continue
        elif spec.required:
            raise invalid(where, "required")
        else:
            default = spec.default
            clean[name] = list(default) if isinstance(default, list) else default
    return clean
