"""Path routing with `{param}` segments, 404 and 405 (with Allow) decided in one place: the one router
of every worker. A handler is handed one `Call` (the request, its path parameters and the identity
core vouched for) and returns a Response; it parses the request into a typed command
(shared/schema.py), calls a business function with plain values and shapes the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from shared.errors import HttpError
from shared.http import Request, Response
from shared.internal_auth import Identity

Params = dict[str, str]


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it. `identity` is what core vouched for, verified once by
    InternalGuard (shared/internal.py); core's own routes leave it empty and read the session."""

    request: Request
    params: Params = field(default_factory=dict)
    identity: Identity = field(default_factory=Identity)


Handler = Callable[[Call], Awaitable[Response]]
S = TypeVar("S")
# A worker's route table (as Starlette's `routes=[...]`): path -> method -> handler, where each handler
# is also handed the worker's services (what its composition root built from the ports).
Table = Mapping[str, Mapping[str, Callable[[S, Call], Awaitable[Response]]]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler

    def match(self, path: str) -> Params | None:
        want = self.pattern.strip("/").split("/")
        got = path.strip("/").split("/")
        if self.pattern.endswith("/{rest*}"):
            if len(got) < len(want) - 1:
                return None
            got = [*got[: len(want) - 1], "/".join(got[len(want) - 1 :])]
        if len(want) != len(got):
            return None
        params: Params = {}
        for w, g in zip(want, got, strict=True):
            if w.startswith("{") and w.endswith("}"):
                if not g and not w.endswith("*}"):
                    return None
                params[w.strip("{}*")] = g
            elif w != g:
                return None
        return params


class Router:
    """A route table: routes are registered one way (`add`, or `route` as a decorator) and found one
    way (`find`, which decides 404 and 405)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append(Route(method.upper(), pattern, handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler)
            return handler

        return register

    def add_table(self, table: Table[S], services: S) -> None:
        for pattern, methods in table.items():
            for method, handler in methods.items():
                self.add(method, pattern, partial(handler, services))

    def find(self, request: Request) -> tuple[Handler, Params]:
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(request.path)
            if params is None:
                continue
            if route.method == request.method or (route.method == "GET" and request.method == "HEAD"):
                return route.handler, params
            allowed.append(route.method)
        if allowed:
            allow = sorted({*allowed, *(["HEAD"] if "GET" in allowed else [])})
            raise HttpError(
                405, "method_not_allowed", f"{request.method} is not allowed here.", [("allow", ", ".join(allow))]
            )
        raise HttpError(404, "not_found", f"No route for {request.path}.")

    async def dispatch(self, request: Request, identity: Identity | None = None) -> Response:
        handler, params = self.find(request)
        return await handler(Call(request, params, identity or Identity()))
