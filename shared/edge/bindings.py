"""Adapters from Workers bindings (D1, R2, service bindings, fetch, WebCrypto) to shared.ports."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import js
from pyodide.ffi import to_js
from workers import fetch as workers_fetch

from shared.http import Request, Response, Stream
from shared.ports import OCTET_STREAM, Blob, DataPoint, Metadata, OpenBlob, Row, SqlValue


def _js_bytes(data: bytes) -> Any:
    # A fresh Uint8Array copy: R2 and fetch keep the buffer after the call returns. `to_js` copies a
    # bytes object in one go (a memcpy out of the wasm heap), never byte by byte.
    return to_js(data)


def js_buffer(data: bytes) -> Any:
    """The bytes as one fresh `ArrayBuffer`, for arguments that go through the `workers` SDK's
    binding wrapper (R2, KV, queues, RPC). The SDK's `python_to_rpc` walks every argument it can
    iterate looking for types it refuses, and a `Uint8Array` is iterable: it visits each byte in
    Python (microseconds apiece: ~0.4 s of CPU for a 137 KB photo). An `ArrayBuffer` is not
    iterable, so it crosses as is; R2's `put` (and KV's) take one. The copy's buffer holds exactly
    the bytes (`to_js` makes a new Uint8Array of that length at offset 0)."""
    return _js_bytes(data).buffer


async def _response_from_js(js_response: Any) -> Response:
    headers = [(str(k), str(v)) for k, v in js.Array.from_(js_response.headers).to_py()]  # one conversion
    body = bytes((await js_response.arrayBuffer()).to_bytes())
    return Response(int(js_response.status), headers, body)


# The runtime's globals, looked up once per isolate: every `js.X` is a crossing into JavaScript,
# and the warm view is made of little else (reading them at import is not I/O).
_from_entries = js.Object.fromEntries
JsResponse = js.Response


def js_init(status: int, headers: list[tuple[str, str]]) -> Any:
    """A ResponseInit built in one conversion (headers as one array of pairs, not one by one)."""
    return to_js({"status": status, "headers": headers}, dict_converter=_from_entries)


def _js_request(request: Request, base: str) -> Any:
    # Outbound requests carry an absolute URL in `path`; the query string must travel either way (a
    # GET to Stripe names its filters there: `/v1/invoices?customer=…`).
    url = request.url_path if "://" in request.path else base + request.url_path
    init: dict[str, Any] = {"method": request.method, "headers": to_js(list(request.headers.items()))}
    if request.body and request.method not in ("GET", "HEAD"):
        init["body"] = _js_bytes(request.body)
    return js.Request.new(url, to_js(init, dict_converter=js.Object.fromEntries))


class D1Database:
    def __init__(self, binding: Any) -> None:
        self._db = binding

    def _statement(self, sql: str, params: Sequence[SqlValue]) -> Any:
        statement = self._db.prepare(sql)
        return statement.bind(*params) if params else statement

    async def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        result = await self._statement(sql, params).all()
        rows = result["results"] if isinstance(result, dict) else result.results
        return [dict(row) for row in rows]

    async def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        result = await self._statement(sql, params).run()
        meta = result["meta"] if isinstance(result, dict) else result.meta
        return int(meta["changes"] if isinstance(meta, dict) else meta.changes)

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        await self._db.batch([self._statement(sql, params) for sql, params in statements])


def _content_type(obj: Any) -> str:
    """An R2 object's content type. `httpMetadata` only has the keys the object was stored with, and
    a missing key on a JS object is an AttributeError in Python: an object stored without a content
    type (an S3 client, the dashboard) reads as application/octet-stream, not a 500."""
    meta = getattr(obj, "httpMetadata", None)
    ctype = getattr(meta, "contentType", None) if meta is not None else None
    return str(ctype) if ctype else OCTET_STREAM


class R2BlobStore:
    def __init__(self, binding: Any) -> None:
        self._bucket = binding

    async def get(self, key: str) -> Blob | None:
        obj = await self._bucket.get(key)
        if obj is None:
            return None
        # Through the SDK's binding wrapper an ArrayBuffer arrives as a memoryview, not a JsProxy.
        body = bytes(await obj.arrayBuffer())
        ctype = _content_type(obj)
        custom = obj.customMetadata
        return Blob(key, body, str(ctype), str(obj.httpEtag), dict(custom) if custom else {})

    async def open(self, key: str, first: int = 0, last: int | None = None) -> OpenBlob | None:
        # R2 serves the range itself; the body stays a ReadableStream that Python never reads.
        if first or last is not None:
            span = {"offset": first, **({"length": last - first + 1} if last is not None else {})}
            obj = await self._bucket.get(key, {"range": span})
        else:
            obj = await self._bucket.get(key)
        if obj is None:
            return None
        ctype = _content_type(obj)
        size = int(obj.size)
        end = size - 1 if last is None else min(last, size - 1)
        return OpenBlob(size, str(ctype), Stream(obj.body, max(0, end - first + 1)))

    async def put(self, key: str, body: bytes, content_type: str = OCTET_STREAM, metadata: Metadata = None) -> None:
        options = {"httpMetadata": {"contentType": content_type}, "customMetadata": metadata or {}}
        await self._bucket.put(key, js_buffer(body), to_js(options, dict_converter=js.Object.fromEntries))

    async def delete(self, key: str) -> None:
        await self._bucket.delete(key)

    async def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        cursor = None
        while True:
            options = {"prefix": prefix, **({"cursor": cursor} if cursor else {})}
            page = await self._bucket.list(to_js(options, dict_converter=js.Object.fromEntries))
            keys.extend(str(obj.key) for obj in page.objects)
            if not page.truncated:
                return keys
            cursor = page.cursor


class ServiceBinding:
    """Another worker through its `[[services]]` binding; the URL's host is never resolved."""

    def __init__(self, binding: Any, name: str) -> None:
        self._binding = binding
        self._base = f"https://{name}.internal"

    async def fetch(self, request: Request) -> Response:
        response = await self._binding.fetch(_js_request(request, self._base))
        return await _response_from_js(response.js_object if hasattr(response, "js_object") else response)


class FetchClient:
    """Outbound HTTP with the runtime's fetch."""

    async def fetch(self, request: Request) -> Response:
        response = await workers_fetch(_js_request(request, ""))
        return await _response_from_js(response.js_object)


class WebCrypto:
    """crypto.subtle and crypto.getRandomValues, as Cloudflare provides them."""

    async def sha256(self, data: bytes) -> bytes:
        digest = await js.crypto.subtle.digest("SHA-256", _js_bytes(data))
        return bytes(digest.to_bytes())

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        algorithm = to_js({"name": "HMAC", "hash": "SHA-256"}, dict_converter=js.Object.fromEntries)
        usages = to_js(["sign"])
        crypto_key = await js.crypto.subtle.importKey("raw", _js_bytes(key), algorithm, False, usages)
        signature = await js.crypto.subtle.sign("HMAC", crypto_key, _js_bytes(data))
        return bytes(signature.to_bytes())

    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int) -> bytes:
        # Pyodide has no hashlib.pbkdf2_hmac; WebCrypto does it natively (and caps iterations at 100,000).
        usages = to_js(["deriveBits"])
        key = await js.crypto.subtle.importKey("raw", _js_bytes(password), "PBKDF2", False, usages)
        params = {"name": "PBKDF2", "hash": "SHA-256", "salt": _js_bytes(salt), "iterations": iterations}
        bits = await js.crypto.subtle.deriveBits(to_js(params, dict_converter=js.Object.fromEntries), key, 256)
        return bytes(bits.to_bytes())

    def random_bytes(self, n: int) -> bytes:
        # Pyodide's os.urandom is crypto.getRandomValues underneath, without a round of proxies
        # (a request id per request: it adds up). Never called at import (python_check_rng_state).
        return os.urandom(n)


class EdgeCache:
    """The Cache API's `caches.default`. Entries are whole responses keyed by URL; `max_age` is
    carried as the stored response's Cache-Control, which is what the Cache API expires by."""

    def __init__(self) -> None:
        self._cache: Any = None  # caches.default, looked up on first use (one crossing less per view)

    @property
    def _default(self) -> Any:
        if self._cache is None:
            self._cache = js.caches.default
        return self._cache

    async def get(self, key: str) -> Response | None:
        hit = await self._default.match(key)
        if hit is None:
            return None
        return await _response_from_js(hit.js_object if hasattr(hit, "js_object") else hit)

    async def open(self, key: str) -> Stream | None:
        # The warm view: the cached body is handed on as the runtime's own stream. Its headers are
        # not converted at all (the app sets its own) and no byte is copied into Python.
        hit = await self._default.match(key)
        return None if hit is None else Stream(hit.body)

    async def put(self, key: str, response: Response, max_age: int) -> None:
        headers = [(k, v) for k, v in response.headers if k.lower() != "cache-control"]
        headers.append(("cache-control", f"public, max-age={max_age}"))
        body = response.stream.native if response.stream is not None else _js_bytes(response.body)
        await self._default.put(key, JsResponse.new(body, js_init(response.status, headers)))


class SystemClock:
    def now(self) -> float:
        # Pyodide's clock is Date.now() underneath (it only advances across I/O on Workers, which
        # is fine for expiries); time.time() reads it without a proxy call.
        return time.time()


def runtime() -> dict[str, Any]:
    """The ports every worker takes from the runtime itself, by their Ports names."""
    return {"clock": SystemClock(), "crypto": WebCrypto()}


class QueueProducer:
    """A `[[queues.producers]]` binding. The SDK wraps it (WorkerQueue) and converts the dict."""

    def __init__(self, binding: Any) -> None:
        self._queue = binding

    async def send(self, body: dict[str, Any], delay_seconds: int = 0) -> None:
        if delay_seconds:
            await self._queue.send(body, delaySeconds=delay_seconds)
        else:
            await self._queue.send(body)


class AnalyticsEngine:
    """An `[[analytics_engine_datasets]]` binding. `writeDataPoint` is called on the runtime's own
    object (not through the SDK's binding wrapper, which would convert each argument in Python):
    one conversion of the whole point, no promise, nothing awaited."""

    def __init__(self, binding: Any) -> None:
        self._dataset = getattr(binding, "_binding", binding)

    def write(self, point: DataPoint) -> None:
        fields = {"indexes": [point.index], "blobs": list(point.blobs), "doubles": list(point.doubles)}
        self._dataset.writeDataPoint(to_js(fields, dict_converter=_from_entries))
