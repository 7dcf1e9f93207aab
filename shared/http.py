"""A small, runtime-free HTTP model: what an app core receives and returns."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from shared import jsontext


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str = ""
    # Lower-cased names; repeated headers are joined with ", " as the Fetch API does.
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # The visitor's country as the edge placed it (`request.cf.country`, ISO 3166-1 alpha-2; "" unknown).
    country: str = ""

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def query_params(self) -> dict[str, str]:
        """First value of each query parameter."""
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    @property
    def url_path(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for part in self.header("cookie").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in jar:
                jar[name] = value
        return jar

    def replace(self, **changes: Any) -> Request:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Stream:
    """A body the app core hands on without reading it: bytes that stay in the runtime.

    `native` is the adapter's own object (a JavaScript ReadableStream on Workers, an async
    iterator of bytes on CPython); app cores never look inside it, they only pass it from a port
    (BlobStore.open, Cache.open) to a Response. `length`: the bytes it yields, when known."""

    native: Any
    length: int | None = None


@dataclass(frozen=True)
class Response:
    status: int = 200
    # A list, not a dict: Set-Cookie may repeat.
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Stream | None = None  # when set, the body (and `body` stays empty)

    def header(self, name: str, default: str = "") -> str:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    def with_headers(self, extra: list[tuple[str, str]]) -> Response:
        """Adds headers that are not already set (the handler's own win)."""
        present = {k.lower() for k, _ in self.headers}
        added = [(k, v) for k, v in extra if k.lower() not in present]
        return Response(self.status, [*self.headers, *added], self.body, self.stream)

    def json(self) -> Any:
        return jsontext.loads(self.body)


def json_response(data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, [("content-type", "application/json"), *(headers or [])], body)


def html_response(html: str, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, [("content-type", "text/html; charset=utf-8"), *(headers or [])], html.encode())
