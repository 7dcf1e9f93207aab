"""The small interfaces through which app cores do all their I/O.

Each has a Cloudflare adapter in `shared.edge` and a CPython adapter in `devstack` (tests and the
local stack). App cores depend on these Protocols only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.http import Request, Response, Stream

SqlValue = str | int | float | bytes | None
Row = dict[str, Any]
OCTET_STREAM = "application/octet-stream"  # bytes of no particular type
Metadata = dict[str, str] | None  # an R2 object's custom metadata


class Database(Protocol):
    """D1's model: SQLite statements with positional `?` parameters."""

    async def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]: ...

    async def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        """Executes a write; returns the number of rows changed."""
        ...

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        """Runs statements as one transaction: all or nothing, as D1's batch does."""
        ...


@dataclass(frozen=True)
class Blob:
    key: str
    body: bytes
    content_type: str = OCTET_STREAM
    etag: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenBlob:
    """An object opened for streaming: its whole size and the bytes asked for, unread."""

    size: int
    content_type: str
    stream: Stream


class BlobStore(Protocol):
    """R2's model: whole objects by key."""

    async def get(self, key: str) -> Blob | None: ...

    async def open(self, key: str, first: int = 0, last: int | None = None) -> OpenBlob | None:
        """Bytes first..last (inclusive; None: to the end) as a stream, never read into memory."""
        ...

    async def put(self, key: str, body: bytes, content_type: str = OCTET_STREAM, metadata: Metadata = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def list(self, prefix: str) -> list[str]: ...


class Service(Protocol):
    """Another worker, reached through a service binding."""

    async def fetch(self, request: Request) -> Response: ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class Crypto(Protocol):
    """WebCrypto on the edge, hashlib/hmac/secrets on CPython: the same bytes out."""

    async def sha256(self, data: bytes) -> bytes: ...

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes: ...

    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int) -> bytes:
        """32 bytes of PBKDF2-HMAC-SHA256."""
        ...

    def random_bytes(self, n: int) -> bytes: ...


class HttpClient(Protocol):
    """Outbound HTTP (Stripe, Resend, Cloudflare's API). `request.path` holds the absolute URL."""

    async def fetch(self, request: Request) -> Response: ...


class Cache(Protocol):
    """The edge's HTTP cache (Cloudflare's Cache API, `caches.default`: per data centre, best effort).
    `key` is an absolute URL; an entry lives up to `max_age` seconds and may vanish any time."""

    async def get(self, key: str) -> Response | None: ...

    async def open(self, key: str) -> Stream | None:
        """Only the body of an entry, as a stream: nothing converted, nothing copied."""
        ...

    async def put(self, key: str, response: Response, max_age: int) -> None:
        """Stores `response` (a streamed one is consumed by the cache, not read by the caller)."""
        ...


class Queue(Protocol):
    """A Cloudflare Queue's producer side: `send` returns once the queue has the message (durable)."""

    async def send(self, body: dict[str, Any], delay_seconds: int = 0) -> None: ...


@dataclass(frozen=True)
class DataPoint:
    """One Workers Analytics Engine data point: an index (the sampling key), blobs (text), doubles."""

    index: str
    blobs: tuple[str, ...] = ()
    doubles: tuple[float, ...] = ()


class Analytics(Protocol):
    """Workers Analytics Engine's dataset binding: `write` hands the point over and returns at once
    (`writeDataPoint` is not awaited and delays nothing); a point breaking AE's limits raises."""

    def write(self, point: DataPoint) -> None: ...
