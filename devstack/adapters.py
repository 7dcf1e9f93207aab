"""CPython implementations of shared.ports: the same contracts the Cloudflare adapters meet."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import BinaryIO

import httpx

from shared.http import Request, Response, Stream
from shared.ports import OCTET_STREAM, Blob, Clock, Metadata, OpenBlob, Row, SqlValue

CHUNK_BYTES = 64 * 1024


class SqliteDatabase:
    """D1 runs SQLite; so does this. One connection, statements serialised like D1's."""

    def __init__(self, path: str | Path) -> None:
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._lock = asyncio.Lock()

    async def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        async with self._lock:
            return [dict(row) for row in self._conn.execute(sql, tuple(params)).fetchall()]

    async def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        async with self._lock:
            return self._conn.execute(sql, tuple(params)).rowcount

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        async with self._lock:
            self._conn.execute("BEGIN")
            try:
                for sql, params in statements:
                    self._conn.execute(sql, tuple(params))
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def is_empty(self) -> bool:
        """No table at all: a database nothing has been applied to yet."""
        return bool(self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0)

    def copy_to(self, target: sqlite3.Connection) -> None:
        self._conn.backup(target)

    def copy_from(self, source: sqlite3.Connection) -> None:
        source.backup(self._conn)

    def execute_script(self, sql: str) -> None:
        """Runs a whole SQL file as one transaction (migrations): all of it or none of it."""
        try:
            self._conn.executescript(f"BEGIN;\n{sql}\nCOMMIT;")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._conn.close()


class FolderBlobStore:
    """R2 semantics on a folder: whole-object writes that readers never see half-done."""

    def __init__(self, root: str | Path) -> None:
        self._root = Path(root)
        self._root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        # Keys are opaque to R2; hex-encode them so no key can name a path outside the folder.
        return self._root / key.encode().hex()

    async def get(self, key: str) -> Blob | None:
        path = self._path(key)
        try:
            body = path.read_bytes()
            meta = json.loads(path.with_suffix(".meta").read_text())
        except FileNotFoundError:
            return None
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        return Blob(key, body, meta["content_type"], f'"{etag}"', meta["metadata"])

    async def open(self, key: str, first: int = 0, last: int | None = None) -> OpenBlob | None:
        path = self._path(key)
        try:
            meta = json.loads(path.with_suffix(".meta").read_text())
            handle = path.open("rb")  # opened now: a later replace or delete does not cut the stream
        except FileNotFoundError:
            return None
        size = os.fstat(handle.fileno()).st_size
        end = size - 1 if last is None else min(last, size - 1)
        length = max(0, end - first + 1)
        return OpenBlob(size, meta["content_type"], Stream(_file_chunks(handle, first, length), length))

    async def put(self, key: str, body: bytes, content_type: str = OCTET_STREAM, metadata: Metadata = None) -> None:
        path = self._path(key)
        meta = {"key": key, "content_type": content_type, "metadata": metadata or {}}
        for target, data in ((path.with_suffix(".meta"), json.dumps(meta).encode()), (path, body)):
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)  # atomic rename: a reader sees the old object or the new one

    async def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        path.with_suffix(".meta").unlink(missing_ok=True)

    async def list(self, prefix: str) -> list[str]:
        keys = (json.loads(p.read_text())["key"] for p in self._root.glob("*.meta"))
        return sorted(k for k in keys if k.startswith(prefix))


async def _file_chunks(handle: BinaryIO, first: int, length: int) -> AsyncIterator[bytes]:
    with handle:
        handle.seek(first)
        while length > 0:
            chunk = handle.read(min(CHUNK_BYTES, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK_BYTES):
        yield body[start : start + CHUNK_BYTES]


async def read_stream(stream: Stream) -> bytes:
    """The whole body of a CPython stream (tests, the cache, the in-process stack)."""
    return b"".join([chunk async for chunk in stream.native])


async def drained(response: Response) -> Response:
    """`response` with a streamed body read into `body`: what a client receives."""
    if response.stream is None:
        return response
    return Response(response.status, response.headers, await read_stream(response.stream))


class SystemClock:
    def now(self) -> float:
        return time.time()


class HashlibCrypto:
    async def sha256(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    async def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, hashlib.sha256).digest()

    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", password, salt, iterations, dklen=32)

    def random_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)


class HttpxClient:
    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self._client = client

    async def fetch(self, request: Request) -> Response:
        # Made on first use: loading the TLS trust store costs ~40 ms, and most stacks never call out.
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=30)
        reply = await self._client.request(
            request.method, request.url_path, headers=request.headers, content=request.body or None
        )
        return Response(reply.status_code, list(reply.headers.multi_items()), reply.content)

    async def aclose(self) -> None:
        """Closes the connections it keeps (a stack that stops before its process does)."""
        if self._client is not None:
            await self._client.aclose()


class MemoryCache:
    """The Cache API in memory: responses by key until their max-age runs out (on `clock`)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._entries: dict[str, tuple[float, Response]] = {}

    async def get(self, key: str) -> Response | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, response = entry
        if expires <= self._clock.now():
            del self._entries[key]
            return None
        return response

    async def open(self, key: str) -> Stream | None:
        response = await self.get(key)
        if response is None:
            return None
        return Stream(_chunks(response.body), len(response.body))

    async def put(self, key: str, response: Response, max_age: int) -> None:
        response = await drained(response)  # the cache consumes a streamed body, as the Cache API does
        if max_age > 0:
            self._entries[key] = (self._clock.now() + max_age, response)

    def clear(self) -> None:
        self._entries.clear()
