"""Path routing with `{param}` segments, 404 and 405 (with Allow) decided in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.errors import HttpError
from shared.http import Request, Response

Params = dict[str, str]
Handler = Callable[[Request, Params], Awaitable[Response]]
H = TypeVar("H")


@dataclass(frozen=True)
class Route(Generic[H]):
    method: str
    pattern: str
    handler: H

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


class Routes(Generic[H]):
    """A route table: routes are registered one way (`add`, or `route` as a decorator) and found one
    way (`find`, which decides 404 and 405); what a handler is called with is the subclass's business."""

    def __init__(self) -> None:
        self.routes: list[Route[H]] = []

    def add(self, method: str, pattern: str, handler: H) -> None:
        self.routes.append(Route(method.upper(), pattern, handler))

    def route(self, method: str, pattern: str) -> Callable[[H], H]:
        def register(handler: H) -> H:
            self.add(method, pattern, handler)
            return handler

        return register

    def find(self, request: Request) -> tuple[H, Params]:
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


class Router(Routes[Handler]):
    """Handlers take the request and the path's parameters."""

    async def dispatch(self, request: Request) -> Response:
        handler, params = self.find(request)
        return await handler(request, params)
