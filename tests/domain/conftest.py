"""A published site written straight into R2 the way customer writes it (pointer + files), and a
blob store that records every key read."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from devstack.adapters import FolderBlobStore, HashlibCrypto, MemoryCache, drained
from domain.app import Ports, bootstrap, settings_from
from shared.app import App
from shared.http import Request, Response
from shared.ports import Blob, OpenBlob
from tests.conftest import FakeClock

SITE = "s_" + "a" * 32
OTHER = "s_" + "b" * 32
HOST = "shop.example.com"
PAGES = {
    "/": b"<!doctype html><title>Home</title>",
    "/about/": b"<!doctype html><title>About</title>",
    "/assets/" + "c" * 64 + ".png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "/robots.txt": b"User-agent: *\nAllow: /\n",
}
NOT_FOUND = b"<!doctype html><title>Not here</title>"
SECRET = b"the other tenant's private page"


@dataclass
class Recording:
    inner: FolderBlobStore
    reads: list[str] = field(default_factory=list)

    async def get(self, key: str) -> Blob | None:
        self.reads.append(key)
        return await self.inner.get(key)

    async def open(self, key: str, first: int = 0, last: int | None = None) -> OpenBlob | None:
        self.reads.append(key)
        return await self.inner.open(key, first, last)

    async def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream", metadata: Any = None
    ) -> None:
        await self.inner.put(key, body, content_type, metadata)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    async def list(self, prefix: str) -> list[str]:
        return await self.inner.list(prefix)


def ctype(path: str) -> str:
    return (
        "image/png" if path.endswith(".png") else "text/plain" if path.endswith(".txt") else "text/html; charset=utf-8"
    )


async def publish(blobs: Any, site: str, host: str, pages: dict[str, bytes], hsts: bool = False, **extra: Any) -> None:
    files = {}
    for path, body in pages.items():
        sha = hashlib.sha256(body).hexdigest()
        await blobs.put(f"sites/{site}/files/{sha}", body, ctype(path))
        files[path] = [sha, ctype(path), len(body)]
    nf = hashlib.sha256(NOT_FOUND).hexdigest()
    await blobs.put(f"sites/{site}/files/{nf}", NOT_FOUND, "text/html; charset=utf-8")
    doc = {
        "format": 1,
        "site": site,
        "version": 1,
        "hsts": hsts,
        "noindex": False,
        "files": files,
        "not_found": [nf, "text/html; charset=utf-8", len(NOT_FOUND)],
        "redirects": {"/old": "/about/"},
        "csp": "default-src 'none'",
        **extra,
    }
    await blobs.put(f"hosts/{host}.json", json.dumps(doc).encode(), "application/json")


@dataclass
class Site:
    app: App
    blobs: Recording
    clock: FakeClock

    async def get(
        self, path: str, headers: dict[str, str] | None = None, host: str = HOST, method: str = "GET"
    ) -> Response:
        path, _, query = path.partition("?")
        return await drained(await self.app.handle(Request(method, path, query, {"host": host, **(headers or {})})))


@pytest.fixture
async def site(tmp_path: Any, clock: FakeClock) -> Site:
    blobs = Recording(FolderBlobStore(tmp_path / "r2"))
    await publish(blobs, SITE, HOST, PAGES)
    await publish(blobs, OTHER, "other.example.org", {"/": SECRET, "/private/": SECRET})
    blobs.reads.clear()
    settings = settings_from({})  # production's: domain's wrangler.toml sets no vars
    app = bootstrap(settings, Ports(blobs=blobs, clock=clock, crypto=HashlibCrypto(), cache=MemoryCache(clock)))
    return Site(app, blobs, clock)
