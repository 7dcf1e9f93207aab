"""Path routing with `{param}` segments, 404 and 405 (with Allow) decided in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.errors import HttpError
from shared.http import Request, Response

Params = dict[str, str]
Handler = Callable[[Request, Params], Awaitable[Response]]


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
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append(Route(method.upper(), pattern, handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler)
            return handler

        return register

    async def dispatch(self, request: Request) -> Response:
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(request.path)
            if params is None:
                continue
            if route.method == request.method or (route.method == "GET" and request.method == "HEAD"):
                return await route.handler(request, params)
            allowed.append(route.method)
        if allowed:
            allow = sorted({*allowed, *(["HEAD"] if "GET" in allowed else [])})
            raise HttpError(
                405, "method_not_allowed", f"{request.method} is not allowed here.", [("allow", ", ".join(allow))]
            )
        raise HttpError(404, "not_found", f"No route for {request.path}.")
