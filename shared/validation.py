"""Field validation for JSON bodies: every error is a 400 that names the field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from shared.errors import HttpError

_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def invalid(field: str, message: str) -> HttpError:
    return HttpError(400, "invalid_field", f"{field}: {message}")


def only(data: dict[str, Any], allowed: Iterable[str]) -> None:
    """Unknown fields are an error, not silently dropped."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise invalid(unknown[0], "unknown field")


def string(data: dict[str, Any], field: str, *, max_length: int = 1000, required: bool = True) -> str:
    value = data.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise invalid(field, "required" if value is None else "must be a string")
    if len(value) > max_length:
        raise invalid(field, f"must be at most {max_length} characters")
    return value


def boolean(data: dict[str, Any], field: str, default: bool = False) -> bool:
    value = data.get(field, default)
    if not isinstance(value, bool):
        raise invalid(field, "must be true or false")
    return value


def email(data: dict[str, Any], field: str = "email") -> str:
    """A deliverable-looking address, trimmed, with its domain lower-cased (the local part is kept)."""
    value = string(data, field, max_length=254).strip()
    local, _, domain = value.rpartition("@")
    normalized = f"{local}@{domain.lower()}"
    if not local or not _EMAIL.match(normalized):
        raise invalid(field, "must be an email address")
    return normalized
