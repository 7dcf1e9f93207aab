"""Host -> the live pointer customer wrote (shared/site_layout.py), decoded and checked.

Three tiers, so a warm view reads nothing from R2: this isolate's memory, then the Cache API, then
R2. A pointer is kept for `ttl` seconds in the first two, which is how long a publish may take to
show in one data centre; files are content-addressed and never change, so they are cached for long.
Only keys site_layout builds are read: the pointer of a validated hostname and the files of the
site id and sha256s a decoded pointer names. Nothing from the request path."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared import hostnames
from shared.errors import HttpError
from shared.http import Response, Stream
from shared.log import log
from shared.ports import BlobStore, Cache, Clock
from shared.site_layout import Entry, Live, decode, file_key, pointer_key

__all__ = ["Entry", "Hosts", "Live"]

FILE_CACHE_SECONDS = 365 * 24 * 3600
CACHE_PREFIX = "/__smartpages-cache"  # only ever used as a Cache API key, never routed


@dataclass
class Hosts:
    blobs: BlobStore
    cache: Cache | None
    clock: Clock
    ttl: int = 30
    memo: dict[str, tuple[float, Live | None]] = field(default_factory=dict)
    memo_limit: int = 1000

    async def live(self, host: str) -> Live | None:
        if hostnames.is_preview(host):
            # The owner is looking at a draft they just saved: always fresh (previews see little traffic).
            blob = await self.blobs.get(pointer_key(host))
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
            blob = await self.blobs.get(pointer_key(host))
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
            return decode(body) if body is not None else None
        except (ValueError, KeyError, TypeError) as exc:
            log("pointer_unreadable", exc)
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
        blob = await self.blobs.open(file_key(live.site, entry.sha256), first, last)
        if blob is None:
            raise HttpError(503, "site_unavailable", "This site cannot be shown just now.")
        return blob.stream
