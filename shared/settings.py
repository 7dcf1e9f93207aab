"""Reading a worker's settings from its environment: wrangler.toml `[vars]` and secrets on the edge,
the same `[vars]` overlaid by `.dev.vars` on the local stacks.

Each worker declares one frozen `Settings` dataclass whose fields are its variables, lower-cased
(`PORTAL_ORIGIN` -> `portal_origin`), and its `settings_from = reader(Settings)`. A field
without a default is required: missing or empty, the worker stops at start-up naming it, instead of
running on a default that differs between the edge and the local stack. A field with a default is
optional by design (a secret left out switches its feature off); the default is written once, there."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class SettingsError(RuntimeError):
    """A setting is missing or unreadable: the worker cannot start."""


def reader(settings: type[T]) -> Callable[[Mapping[str, str]], T]:
    """The worker's `settings_from(env)`: `settings` read from `env`."""
    return lambda env: read(settings, env)


def read(settings: type[T], env: Mapping[str, str]) -> T:
    values: dict[str, Any] = {}
    for field in dataclasses.fields(settings):  # type: ignore[arg-type]
        name = field.name.upper()
        text = env.get(name, "")
        if text:
            values[field.name] = _parse(str(field.type), name, text)
        elif field.default is dataclasses.MISSING:
            raise SettingsError(
                f"{name} is not set: add it to wrangler.toml [vars] or as a secret (.dev.vars locally)."
            )
    return settings(**values)


def _parse(kind: str, name: str, text: str) -> str | int | float | bool:
    if kind == "bool":
        return text == "1"
    try:
        return int(text) if kind == "int" else float(text) if kind == "float" else text
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}.") from None
