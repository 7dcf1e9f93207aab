"""Publish, preview and upload cost on the runtime lane, by the lane's own CPU meter (prints, not a test):

    .venv/bin/python -m tools.bench.publish --lane [--sizes 1,50,200]

Per site size (pages of 11 realistic blocks each, tools/bench/lighthouse.py's bakery page, 6 photos of
137 KB): customer's CPU (and core's, which forwards) for the first publish and preview, for a
preview after each of two one-block saves (the editor's preview), the republish after them, and for
one 137 KB photo upload, with each call's HTTP
status, wall time, R2/D1 operations (the lane's `bindingOps`) and memory. The Pro plan allows 50
pages a site: pages past 50 are copied in the site's store (its SiteStore object's file) while the
lane is stopped (the product cannot make such a site, the benchmark needs one). Figures: GET /limits
(tools/lane/README.md); calls into the site's store are their own invocations, counted apart."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.imagefiles import jpeg
from tests.lane.client import PortalClient, subscribed
from tests.lane.harness import Lane, running
from tools.bench.lighthouse import site_blocks

PHOTO_BYTES = 137 * 1024
API_PAGES = 50  # the Pro plan's pages per site


def photo(seed: int, size: int = PHOTO_BYTES) -> bytes:
    """A JPEG of `size` bytes that sniffs and sizes as a 1600x1067 photo (comment segments pad it)."""
    small = jpeg(1600, 1067, seed)
    pad, segments = size - len(small), []
    while pad > 0:
        n = min(pad - 4, 65_000) if pad > 4 else 0
        segments.append(b"\xff\xfe" + (n + 2).to_bytes(2, "big") + bytes([seed % 251]) * n)
        pad -= n + 4
    return small[:2] + b"".join(segments) + small[2:]


def routes(lane: Lane) -> dict[str, Any]:
    return dict(httpx.get(f"{lane.admin}/limits", timeout=60).json()["routes"])


def metered(lane: Lane, action: Callable[[], httpx.Response]) -> tuple[httpx.Response, float, dict[str, Any]]:
    """`action`'s answer, wall time and the lane's figures of each route it touched (their last call)."""
    before = routes(lane)
    started = time.perf_counter()
    reply = action()
    wall = (time.perf_counter() - started) * 1000
    after = routes(lane)
    touched = {
        r: {**row["last"], "calls": row["calls"] - before.get(r, {}).get("calls", 0)}
        for r, row in after.items()
        if before.get(r, {}).get("calls") != row["calls"]
    }
    return reply, wall, touched


def upload(owner: PortalClient, sid: str, data: bytes) -> httpx.Response:
    headers = {"origin": owner.base, "sec-fetch-site": "same-origin", "cookie": owner.cookie}
    headers["content-type"] = "image/jpeg"
    url = f"{owner.base}/api/v1/sites/{sid}/assets?name=photo.jpg"
    return httpx.post(url, content=data, headers=headers, timeout=120)


def pages_file(state: Path, sid: str) -> Path:
    """The SQLite file holding the site's pages: its store (a Durable Object's file under the lane's
    state, customer/sitestore.py), or customer's D1 for a site from before stores."""
    for path in state.rglob("*.sqlite"):
        with sqlite3.connect(path) as db:
            has = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'pages'").fetchone()
            if has and db.execute("SELECT 1 FROM pages WHERE site_id = ? LIMIT 1", (sid,)).fetchone():
                return path
    raise RuntimeError(f"no file under {state} holds the pages of {sid}")


def copy_pages(state: Path, sid: str, total: int) -> None:
    """Copies the site's last page until it has `total` pages (the lane stopped)."""
    with sqlite3.connect(pages_file(state, sid)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM pages WHERE site_id = ? ORDER BY position", (sid,)).fetchall()
        last = dict(rows[-1])
        for n in range(len(rows), total):
            row = {**last, "id": "p_" + uuid.uuid4().hex, "slug": f"copy-{n}", "title": f"Page {n}", "position": n}
            marks = ", ".join("?" for _ in row)
            db.execute(f"INSERT INTO pages ({', '.join(row)}) VALUES ({marks})", tuple(row.values()))  # noqa: S608


def row_of(touched: dict[str, Any], worker: str) -> dict[str, Any]:
    """The worker's request ("<worker> <METHOD> <path>"), not the calls into its Durable Objects
    ("customer SiteStore.all")."""
    found = [row for route, row in touched.items() if route.startswith(f"{worker} ") and " /" in route]
    return found[0] if found else {"cpuMs": float("nan"), "bindingOps": 0, "memoryMB": 0}


def store_calls(touched: dict[str, Any]) -> int:
    """Calls into customer's site store objects (each its own invocation, metered apart)."""
    return sum(int(row["calls"]) for route, row in touched.items() if route.startswith("customer SiteStore."))


def line(label: str, reply: httpx.Response, wall: float, touched: dict[str, Any]) -> str:
    c, k = row_of(touched, "customer"), row_of(touched, "core")
    extra = ""
    if reply.headers.get("content-type", "").startswith("application/json") and reply.status_code < 300:
        body = reply.json()
        keys = ("files_written", "pages_rendered", "unchanged")
        extra = " ".join(f"{key}={body[key]}" for key in keys if key in body)
    return (
        f"  {label:34} HTTP {reply.status_code}  wall {wall:8.0f} ms  customer CPU {c['cpuMs']:8.1f} ms"
        f"  ops {c['bindingOps']:4.0f}  store calls {store_calls(touched):3}  mem {c['memoryMB']:4.0f} MB"
        f"  core CPU {k['cpuMs']:6.1f} ms  {extra}"
    )


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        sites: dict[int, tuple[str, list[str]]] = {}
        lines: list[str] = []
        with running(out) as lane:
            owner = subscribed(lane, "bench@example.com", plan="pro")
            for size in sizes:
                site = owner.post("/api/v1/sites", {"name": f"Mill Lane Bakery {size}"}).json()
                sid = site["id"]
                shas = []
                for i in range(6):
                    data = photo(size * 10 + i)
                    reply, wall, touched = metered(lane, lambda s=sid, d=data: upload(owner, s, d))
                    assert reply.status_code in (200, 201), reply.text
                    shas.append(reply.json()["sha256"])
                    if i == 0:
                        lines.append(line(f"{size} pages: upload 137 KB photo", reply, wall, touched))
                blocks = site_blocks(shas)
                home = site["pages"][0]["id"]
                assert owner.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": blocks}).status_code == 200
                ids = [home]
                for n in range(1, min(size, API_PAGES)):
                    made = owner.post(f"/api/v1/sites/{sid}/pages", {"title": f"Page {n}", "blocks": blocks})
                    assert made.status_code == 201, made.text
                    ids.append(made.json()["id"])
                sites[size] = (sid, ids)
        for size, (sid, _) in sites.items():
            if size > API_PAGES:
                copy_pages(out / "state", sid, size)
        shutil.rmtree(out / "build")  # staged again by the second lane
        with running(out) as lane:
            owner.base = lane.core
            for size, (sid, ids) in sites.items():
                base = f"/api/v1/sites/{sid}"
                publish = lambda b=base: owner.post(b + "/publish")  # noqa: E731
                preview = lambda b=base: owner.post(b + "/preview")  # noqa: E731
                lines.append(line(f"{size} pages: first publish", *metered(lane, publish)))
                lines.append(line(f"{size} pages: first preview", *metered(lane, preview)))
                page = ids[-1]
                for edit in ("one more line", "and another"):  # the editor: a block saved, the preview
                    blocks = owner.call("GET", f"{base}/pages/{page}").json()["blocks"]
                    blocks[1] = {**blocks[1], "markdown": blocks[1]["markdown"] + f"\n\n{edit}"}
                    assert owner.call("PUT", f"{base}/pages/{page}", {"blocks": blocks}).status_code == 200
                    lines.append(line(f"{size} pages: preview, one block saved", *metered(lane, preview)))
                lines.append(line(f"{size} pages: republish, one page changed", *metered(lane, publish)))
            breaches = httpx.get(f"{lane.admin}/limits", timeout=60).json()["breaches"]
    print(f"publish on the lane (Paid plan limits; 11 blocks a page, 6 photos of {PHOTO_BYTES // 1024} KB)")
    print("\n".join(lines))
    print(f"limit breaches: {json.dumps(breaches) if breaches else 'none'}")
