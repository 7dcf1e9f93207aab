"""The glue every entry.py shares: build the app once per isolate, convert, call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared import background
from shared.app import App
from shared.edge.convert import to_app_request, to_workers_response

_apps: dict[str, App] = {}


async def serve(worker: str, env: Any, request: Any, build: Callable[[Any], App], ctx: Any = None) -> Any:
    # Bindings live as long as the isolate, so one app per isolate is enough.
    app = _apps.get(worker)
    if app is None:
        app = _apps[worker] = build(env)
    with background.collecting() as started:
        response = await app.handle(await to_app_request(request))
    for task in started:  # work finishing after the answer (shared.background): keep the request alive
        if ctx is not None:
            ctx.waitUntil(task)
    return to_workers_response(response)


def var(env: Any, name: str, default: str = "") -> str:
    """A `vars` value or secret, as a str ('' when unset)."""
    value = getattr(env, name, None)
    return default if value is None else str(value)
