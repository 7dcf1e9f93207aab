"""workers.Request -> shared.http.Request, and shared.http.Response -> a JavaScript Response."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import js
from pyodide.ffi import to_js

from shared.edge.bindings import JsResponse, js_init
from shared.http import Request, Response

_BODYLESS = ("GET", "HEAD")
_array_from = js.Array.from_  # looked up once per isolate, not per request
_NULL_BODY = (101, 204, 205, 304)


async def to_app_request(request: Any) -> Request:
    js_request = request.js_object
    method = str(js_request.method).upper()
    url = urlsplit(str(js_request.url))
    # One conversion for all headers (an array of [name, value] pairs; Headers lower-cases names).
    headers = dict(_array_from(js_request.headers).to_py())
    body = b"" if method in _BODYLESS else bytes((await js_request.arrayBuffer()).to_bytes())
    cf = getattr(js_request, "cf", None)  # absent on calls between workers
    country = str(getattr(cf, "country", "") or "") if cf is not None else ""
    return Request(method=method, path=url.path or "/", query=url.query, headers=headers, body=body, country=country)


def to_workers_response(response: Response) -> Any:
    """A JavaScript Response, which is what the runtime takes from `fetch` (the SDK's Response
    class would only wrap it, at a cost per request)."""
    # A null body status (204, 304) must not carry a body, or the runtime throws.
    if response.status in _NULL_BODY:
        body: Any = None
    elif response.stream is not None:
        body = response.stream.native  # the runtime's own stream, passed through untouched
    else:
        body = to_js(response.body)  # one copy into a Uint8Array
    return JsResponse.new(body, js_init(response.status, response.headers))
