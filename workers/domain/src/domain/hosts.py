"""Host -> the live pointer customer wrote at `hosts/<host>.json`, parsed and checked.

Three tiers, so a warm view reads nothing from R2: this isolate's memory, then the Cache API, then
R2. A pointer is kept for `ttl` seconds in the first two, which is how long a publish may take to
show in one data centre; files are content-addressed and never change, so they are cached for long.
Only keys built here are read: `hosts/<validated hostname>.json` and
`sites/<site id from the pointer>/files/<sha256 from the pointer>`. Nothing from the request path."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from shared import hostnames
from shared.errors import HttpError
from shared.http import Response, Stream
from shared.ports import BlobStore, Cache, Clock

SITE_ID = re.compile(r"^s_[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
FILE_CACHE_SECONDS = 365 * 24 * 3600
CACHE_PREFIX = "/__smartpages-cache"  # only ever used as a Cache API key, never routed


@dataclass(frozen=True)
class Entry:
    sha256: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Live:
    site: str
    version: int = 0
    files: dict[str, Entry] = field(default_factory=dict)
    not_found: Entry | None = None
    redirects: dict[str, str] = field(default_factory=dict)
    csp: str = ""
    hsts: bool = False
    noindex: bool = False
    redirect: str | None = None  # this host only redirects to another origin
    redirect_status: int = 301  # 302 for a custom domain cut over after a downgrade (it may serve again)


def _entry(value: Any) -> Entry:
    if not (isinstance(value, list) and len(value) == 3):
        raise ValueError("file entry")
    sha, ctype, size = value
    if not (isinstance(sha, str) and SHA256.match(sha) and isinstance(ctype, str) and isinstance(size, int)):
        raise ValueError("file entry")
    if any(ord(c) < 32 for c in ctype):
        raise ValueError("content type")
    return Entry(sha, ctype, size)


def parse(body: bytes) -> Live:
    """The pointer document, or ValueError when it is not one we wrote."""
    doc = json.loads(body)
    if not isinstance(doc, dict) or doc.get("format") != 1:
        raise ValueError("format")
    site = doc.get("site")
    if not isinstance(site, str) or not SITE_ID.match(site):
        raise ValueError("site")
    hsts = doc.get("hsts") is True
    if "redirect" in doc:
        target = doc["redirect"]
        if (
            not isinstance(target, str)
            or not target.startswith(("https://", "http://"))
            or any(ord(c) <= 32 for c in target)
        ):
            raise ValueError("redirect")
        status = 302 if doc.get("temporary") is True else 301
        return Live(site, hsts=hsts, redirect=target.rstrip("/"), redirect_status=status)
    files = doc.get("files")
    redirects = doc.get("redirects", {})
    if not isinstance(files, dict) or not isinstance(redirects, dict):
        raise ValueError("files")
    if not all(
        isinstance(k, str) and isinstance(v, str) and not any(ord(c) < 32 for c in v) for k, v in redirects.items()
    ):
        raise ValueError("redirects")
    csp = doc.get("csp", "")
    if not isinstance(csp, str) or any(ord(c) < 32 for c in csp):
        raise ValueError("csp")
    version = doc.get("version", 0)
    return Live(
        site,
        version if isinstance(version, int) else 0,
        {str(path): _entry(entry) for path, entry in files.items()},
        _entry(doc["not_found"]) if doc.get("not_found") else None,
        redirects,
        csp,
        hsts,
        doc.get("noindex") is True,
    )


@dataclass
class Hosts:
    blobs: BlobStore
    cache: Cache | None
    clock: Clock
    ttl: int = 30
    memo: dict[str, tuple[float, Live | None]] = field(default_factory=dict)
    memo_limit: int = 1000
    r2_reads: int = 0  # for the benchmark and tests

    async def live(self, host: str) -> Live | None:
        if hostnames.is_preview(host):
            # The owner is looking at a draft they just saved: always fresh (previews see little traffic).
            blob = await self.blobs.get(f"hosts/{host}.json")
            self.r2_reads += 1
            return self._parse(blob.body if blob is not None else None)
        now = self.clock.now()
        hit = self.memo.get(host)
        if hit is not None and hit[0] > now:
            return hit[1]
        key = f"https://{host}{CACHE_PREFIX}/pointer"
        body: bytes | None = None
        cached = await self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            body = cached.body if cached.status == 200 else None
        else:
            self.r2_reads += 1
            blob = await self.blobs.get(f"hosts/{host}.json")
            body = blob.body if blob is not None else None
            if self.cache is not None and self.ttl > 0:
                stored = (
                    Response(200, [("content-type", "application/json")], body) if body is not None else Response(404)
                )
                await self.cache.put(key, stored, self.ttl)
        live = self._parse(body)
        if self.ttl > 0:
            if len(self.memo) >= self.memo_limit:
                self.memo.clear()
            self.memo[host] = (now + self.ttl, live)
        return live

    @staticmethod
    def _parse(body: bytes | None) -> Live | None:
        try:
            return parse(body) if body is not None else None
        except (ValueError, KeyError, TypeError):
            raise HttpError(503, "site_unavailable", "This site cannot be shown just now.") from None

    async def file(self, host: str, live: Live, entry: Entry) -> Stream:
        """The whole file as a stream: from the Cache API, else R2 (through the cache, so the
        bytes go from R2 into the cache and out again without passing through Python)."""
        key = f"https://{host}{CACHE_PREFIX}/file/{entry.sha256}"
        if self.cache is not None:
            cached = await self.cache.open(key)
            if cached is not None:
                return cached
            stored = Response(200, [("content-type", entry.content_type)], stream=await self._open(live, entry))
            await self.cache.put(key, stored, FILE_CACHE_SECONDS)
            cached = await self.cache.open(key)
            if cached is not None:
                return cached
            # The Cache API is best effort: it may not keep what it was given.
        return await self._open(live, entry)

    async def file_range(self, live: Live, entry: Entry, first: int, last: int) -> Stream:
        """Bytes first..last of a file, straight from R2 (a range is not worth a cache entry)."""
        return await self._open(live, entry, first, last)

    async def _open(self, live: Live, entry: Entry, first: int = 0, last: int | None = None) -> Stream:
        self.r2_reads += 1
        blob = await self.blobs.open(f"sites/{live.site}/files/{entry.sha256}", first, last)
        if blob is None:
            raise HttpError(503, "site_unavailable", "This site cannot be shown just now.")
        return blob.stream
