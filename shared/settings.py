"""Reading a worker's settings from its environment: wrangler.toml `[vars]` and secrets on the edge,
the same `[vars]` overlaid by `.dev.vars` on the local stacks. Each worker's `settings_from(env)`
uses these, so a required value that is missing stops the worker at start-up with its name, instead
of a default that differs between the edge and the local stack."""

from __future__ import annotations

from collections.abc import Mapping


class SettingsError(RuntimeError):
    """A setting is missing or unreadable: the worker cannot start."""


def required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise SettingsError(f"{name} is not set: add it to wrangler.toml [vars] or as a secret (.dev.vars locally).")
    return value


def optional(env: Mapping[str, str], name: str, default: str = "") -> str:
    """A value whose absence is a documented mode (a secret left out switches its feature off)."""
    return env.get(name) or default


def number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "")
    try:
        return float(text) if text else default
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}.") from None


def whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "")
    if text and not text.isdigit():
        raise SettingsError(f"{name} must be a whole number of seconds, not {text!r}.")
    return int(text) if text else default


def flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "") == "1"
