"""Publishing and delivery figures on CPython (prints, not a test):

    .venv/bin/python -m tools.bench.publish [--pages 50] [--assets 100] [--views 2000]

- publish time and R2 writes for a site of N pages and M uploaded images
- republish after one page changed: R2 writes (should be the changed files + the pointer)
- R2 reads per cold and per warm page view (pointer + file; then none, from the Cache API)
- the domain worker's warm path, per request

It drives customer directly with a signed internal header (the plan vouched as Pro), and counts
every R2 call through a wrapper around the folder store."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack import stack as stack_module
from devstack.adapters import HashlibCrypto, MemoryCache, SystemClock
from domain import app as domain
from shared import internal_auth
from shared.http import Request, Response
from shared.ports import Blob, OpenBlob


@dataclass
class Counting:
    inner: Any
    reads: int = 0
    writes: int = 0
    deletes: int = 0
    keys: list[str] = field(default_factory=list)

    async def get(self, key: str) -> Blob | None:
        self.reads += 1
        return await self.inner.get(key)  # type: ignore[no-any-return]

    async def open(self, key: str, first: int = 0, last: int | None = None) -> OpenBlob | None:
        self.reads += 1
        return await self.inner.open(key, first, last)  # type: ignore[no-any-return]

    async def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream", metadata: Any = None
    ) -> None:
        self.writes += 1
        self.keys.append(key)
        await self.inner.put(key, body, content_type, metadata)

    async def delete(self, key: str) -> None:
        self.deletes += 1
        await self.inner.delete(key)

    async def list(self, prefix: str) -> list[str]:
        return await self.inner.list(prefix)  # type: ignore[no-any-return]

    def reset(self) -> None:
        self.reads = self.writes = self.deletes = 0
        self.keys.clear()


async def call(
    stack: stack_module.Stack, method: str, path: str, body: bytes = b"", ctype: str = "application/json"
) -> Response:
    identity = internal_auth.Identity(account_id="acct_bench", email="bench@example.com", plan="pro")
    secret = stack_module.read_dev_vars("customer")["INTERNAL_SECRET"]
    header = await internal_auth.sign(
        HashlibCrypto(), SystemClock(), secret, Request(method, path, body=body), identity
    )
    # The bench is the only writer: its editor writes overwrite whatever version is there (If-Match: *).
    headers = {internal_auth.HEADER: header, "content-type": ctype, "if-match": "*"}
    request = Request(method, path, "", headers, body)
    response = await stack.customer.handle(request)
    assert response.status < 300, (path, response.status, response.body[:300])
    return response


def png(i: int, size: int = 20_000) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + i.to_bytes(4, "big") + bytes(size)


async def main(pages: int, assets: int, views: int) -> None:
    import json

    with tempfile.TemporaryDirectory() as tmp:
        stack = await stack_module.build(Path(tmp) / "state")
        store = Counting(stack.blobs)
        stack.swap_ports("customer", blobs=store)
        j = lambda d: json.dumps(d).encode()  # noqa: E731
        site = (await call(stack, "POST", "/api/v1/sites", j({"name": "Bench Bakery"}))).json()
        sid = site["id"]
        shas = [
            (await call(stack, "POST", f"/api/v1/sites/{sid}/assets", png(i), "image/png")).json()["sha256"]
            for i in range(assets)
        ]
        page_ids = [site["pages"][0]["id"]]
        for n in range(pages - 1):
            page_ids.append(
                (await call(stack, "POST", f"/api/v1/sites/{sid}/pages", j({"title": f"Page {n}"}))).json()["id"]
            )
        per_page = max(1, assets // pages + 1)
        for n, pid in enumerate(page_ids):
            images = [{"asset": shas[(n * per_page + k) % assets], "alt": f"Photo {k}"} for k in range(per_page)]
            blocks = [
                {"type": "hero", "heading": f"Welcome to page {n}", "subheading": "Fresh every day"},
                {"type": "rich_text", "markdown": "## About\n\nWe bake **bread** and *cakes*.\n\n- rye\n- spelt\n" * 3},
                {"type": "gallery", "heading": "Gallery", "images": images},
                {"type": "footer", "text": "© Bench Bakery"},
            ]
            await call(stack, "PUT", f"/api/v1/sites/{sid}/pages/{pid}", j({"blocks": blocks}))

        store.reset()
        started = time.perf_counter()
        first = (await call(stack, "POST", f"/api/v1/sites/{sid}/publish", b"{}")).json()
        first_ms = (time.perf_counter() - started) * 1000
        first_writes = store.writes
        manifest_files = (
            len((await (await stack.site_db(sid)).all("SELECT manifest FROM versions"))[0]["manifest"].split('":["'))
            - 1
        )

        blocks = [{"type": "rich_text", "markdown": "Changed page"}]
        await call(stack, "PUT", f"/api/v1/sites/{sid}/pages/{page_ids[7]}", j({"blocks": blocks}))
        store.reset()
        started = time.perf_counter()
        second = (await call(stack, "POST", f"/api/v1/sites/{sid}/publish", b"{}")).json()
        second_ms = (time.perf_counter() - started) * 1000
        second_writes, second_keys = store.writes, list(store.keys)

        reader_store = Counting(stack.blobs)
        clock = SystemClock()
        ports = domain.Ports(blobs=reader_store, clock=clock, crypto=HashlibCrypto(), cache=MemoryCache(clock))
        reader = domain.bootstrap(domain.Settings(pointer_cache_seconds=30), ports)
        reader.log = lambda line: None  # a log line per request would dominate the figures
        host = site["default_host"]
        view = Request("GET", "/page-3/", "", {"host": host})
        cold = await reader.handle(view)
        cold_reads = reader_store.reads
        reader_store.reset()
        await reader.handle(view)
        warm_reads = reader_store.reads
        samples = []
        for _ in range(views):
            t = time.perf_counter()
            await reader.handle(view)
            samples.append((time.perf_counter() - t) * 1e6)
        # A warm 304 (browser revalidation) too
        etag = cold.header("etag")
        revalidate = Request("GET", "/page-3/", "", {"host": host, "if-none-match": etag})
        samples_304 = []
        for _ in range(views):
            t = time.perf_counter()
            await reader.handle(revalidate)
            samples_304.append((time.perf_counter() - t) * 1e6)
        stack.close()

    print(f"site: {pages} pages, {assets} uploaded images ({sum(len(png(i)) for i in range(assets)) // 1024} KiB)")
    print(
        f"first publish: {first_ms:.0f} ms, R2 writes {first_writes} (files {first['files_written']} + pointers "
        f"{first['pointers_written']}; the manifest lists {manifest_files} paths, uploads are already in place)"
    )
    print(
        f"republish after one page changed: {second_ms:.0f} ms, R2 writes {second_writes} "
        f"(files {second['files_written']} + pointer {second['pointers_written']}): "
        + ", ".join(k.rsplit("/", 1)[-1][:12] for k in second_keys)
    )
    print(f"page view R2 reads: cold {cold_reads}, warm {warm_reads} (status {cold.status})")
    print(
        f"domain warm path on CPython: median {statistics.median(samples):.0f} µs, p95 "
        f"{sorted(samples)[int(len(samples) * 0.95)]:.0f} µs per request ({views} requests, 200 with body)"
    )
    print(f"domain warm 304 on CPython: median {statistics.median(samples_304):.0f} µs per request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--views", type=int, default=2000)
    parser.add_argument("--lane", action="store_true", help="on the lane, by its CPU meter (publish_lane.py)")
    parser.add_argument("--sizes", default="1,50,200", help="with --lane: the sites' page counts")
    args = parser.parse_args()
    if args.lane:
        from tools.bench import publish_lane

        publish_lane.main([int(n) for n in args.sizes.split(",")])
    else:
        asyncio.run(main(args.pages, args.assets, args.views))
