"""Stripe's form encoding: nested dicts and lists flattened with brackets.

    {"line_items": [{"price": "price_1", "quantity": 1}], "metadata": {"k": "v"}, "expand": ["customer"]}
    -> line_items[0][price]=price_1&line_items[0][quantity]=1&metadata[k]=v&expand[]=customer

A list of scalars uses `key[]` (as Stripe documents `expand[]`); a list of objects is indexed.
Booleans are `true`/`false`; None values are left out (send "" to clear a field on purpose)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

Params = Mapping[str, Any]


def pairs(params: Params, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        out.extend(_flatten(name, value))
    return out


def _flatten(name: str, value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return pairs(value, name)
    if isinstance(value, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in value):
            return [pair for item in value for pair in _flatten(f"{name}[]", item)]
        return [pair for i, item in enumerate(value) for pair in _flatten(f"{name}[{i}]", item)]
    return [(name, _scalar(value))]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(f"cannot form-encode {type(value).__name__}")


def encode(params: Params) -> str:
    """The body (or query string) Stripe expects, percent-encoded."""
    return urlencode(pairs(params))
