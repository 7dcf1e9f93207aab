"""workers.Request -> shared.http.Request, and shared.http.Response -> workers.Response."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from workers import Response as WorkersResponse

from shared.http import Request, Response

_BODYLESS = ("GET", "HEAD")


async def to_app_request(request: Any) -> Request:
    js_request = request.js_object
    method = str(js_request.method).upper()
    url = urlsplit(str(js_request.url))
    headers: dict[str, str] = {}
    for name, value in js_request.headers.entries():
        headers[str(name).lower()] = str(value)
    body = b"" if method in _BODYLESS else bytes((await js_request.arrayBuffer()).to_bytes())
    return Request(method=method, path=url.path or "/", query=url.query, headers=headers, body=body)


def to_workers_response(response: Response) -> WorkersResponse:
    # A null body status (204, 304) must not carry a body, or the runtime throws.
    body = None if response.status in (101, 204, 205, 304) else response.body
    return WorkersResponse(body, status=response.status, headers=list(response.headers))
