"""Serves an app core over ASGI (uvicorn locally, httpx's ASGITransport in tests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from shared.http import Request, Response

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Handles(Protocol):
    """An app core, or a stand-in that answers HTTP the same way."""

    async def handle(self, request: Request) -> Response: ...


def asgi(app: Handles) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        request = Request(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            bytes(body),
            # As the lane does for `request.cf.country`: the country a test or proxy names, else unknown.
            country=headers.get("cf-ipcountry", ""),
        )
        response = await app.handle(request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers],
            }
        )
        if response.stream is None:
            await send({"type": "http.response.body", "body": response.body})
            return
        async for chunk in response.stream.native:  # streamed: never the whole body in memory
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return handler
