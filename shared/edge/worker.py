"""The glue every entry.py shares: build the app once per isolate, convert, call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import js

from shared import background
from shared.app import App
from shared.edge.convert import to_app_request, to_workers_response

T = TypeVar("T")
_apps: dict[str, App] = {}


def env_vars(env: Any) -> dict[str, str]:
    """The worker's `[vars]` and secrets as a plain mapping (bindings left out): what each app core's
    `settings_from` reads, here exactly as on the CPython stack."""
    raw = getattr(env, "_env", env)  # the SDK wraps the JS env object (workers.entrypoints._EnvWrapper)
    values = {str(name): getattr(raw, str(name), None) for name in js.Object.keys(raw)}
    # Text, or a number a wrangler.toml [vars] entry was written as; bindings are objects.
    return {k: str(v) for k, v in values.items() if isinstance(v, str | int | float) and not isinstance(v, bool)}


def composed(
    settings_from: Callable[[Mapping[str, str]], Any], ports: Callable[[Any], Any], bootstrap: Callable[[Any, Any], T]
) -> Callable[[Any], T]:
    """`env` -> the worker's settings and ports -> what `bootstrap` builds from them."""
    return lambda env: bootstrap(settings_from(env_vars(env)), ports(env))


async def serve(worker: str, env: Any, request: Any, build: Callable[[Any], App], ctx: Any = None) -> Any:
    # Bindings live as long as the isolate, so one app per isolate is enough.
    app = _apps.get(worker)
    if app is None:
        app = _apps[worker] = build(env)
    with background.collecting() as started:
        response = await app.handle(await to_app_request(request))
    if ctx is not None:  # work finishing after the answer (shared.background): keep the request alive
        for task in started:
            ctx.waitUntil(task)
    return to_workers_response(response)
